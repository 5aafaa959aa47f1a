import { normaliseEmail } from '../validate/contact-fields.js';
import { toE164 } from '../validate/phone.js';

/**
 * How a data-subject request names the person:
 *   `email:ada@example.com`
 *   `phone:+420 601 123 456` (any format with a country code; stored as E.164)
 *   `<channel>:<account>:<platform user id>`, e.g. `telegram:shopbot:123456789`
 *   `visitor:<widget visitor id>` (the id the widget shows in its menu; any widget account)
 */
export type Identifier =
  | { kind: 'email'; email: string }
  | { kind: 'phone'; phone: string }
  | { kind: 'address'; channel: string; account: string; user: string }
  | { kind: 'visitor'; visitor: string };

/** A malformed identifier: the message says what was expected. */
export class IdentifierError extends Error {}

const usage = 'expected email:<address>, phone:<number with country code>, <channel>:<account>:<user id> or visitor:<widget visitor id>';

/** Parses an identifier as typed on the command line or sent to the API. */
export function parseIdentifier(text: string): Identifier {
  const value = text.trim();
  const colon = value.indexOf(':');
  if (colon <= 0) throw new IdentifierError(`"${value}": ${usage}`);
  const scheme = value.slice(0, colon).toLowerCase();
  const rest = value.slice(colon + 1).trim();
  switch (scheme) {
    case 'email': {
      const email = normaliseEmail(rest);
      if (!email) throw new IdentifierError(`"${rest}" is not an e-mail address`);
      return { kind: 'email', email };
    }
    case 'phone': {
      const phone = toE164(rest.replace(/^00/, '+'));
      if (!phone) throw new IdentifierError(`"${rest}" is not a valid phone number; expected it with its country code, e.g. +420 601 123 456`);
      return { kind: 'phone', phone };
    }
    case 'visitor': {
      // The token the browser keeps is `{id}.{signature}`: either names the visitor.
      const visitor = rest.split('.')[0];
      if (!visitor) throw new IdentifierError(`"${value}": expected visitor:<widget visitor id>`);
      return { kind: 'visitor', visitor };
    }
    default: {
      const [account, ...user] = rest.split(':');
      if (!account || !user.length || !user.join(':')) throw new IdentifierError(`"${value}": ${usage}`);
      return { kind: 'address', channel: scheme, account, user: user.join(':') };
    }
  }
}

/** The identifier as one canonical text (what its pseudonym is made of): `phone:+420601123456`. */
export function identifierText(id: Identifier): string {
  switch (id.kind) {
    case 'email':
      return `email:${id.email}`;
    case 'phone':
      return `phone:${id.phone}`;
    case 'visitor':
      return `visitor:${id.visitor}`;
    case 'address':
      return `${id.channel}:${id.account}:${id.user}`;
  }
}
