/**
 * The e-mail and phone rules every place a person types one shares: flow answers and forms
 * (flows/validators.ts), the widget's own forms on the hub (adapters/widget/own-forms.ts) and in
 * the browser (adapters/widget/client/forms.js, bundled from this file).
 *
 * Dependency-free and cheap, so the browser bundle can carry it. Turning a phone number into
 * E.164 needs libphonenumber's metadata, which stays on the hub: see `phone.ts` beside this file.
 * Its first step is {@link isPhoneShaped}, so a number the browser lets through is never refused
 * on the hub for its shape.
 */

// Deliberately pragmatic, not RFC 5322: quoted local parts and IP-literal domains
// are legal but virtually never typed, while typos are common.
// The local part excludes whitespace, control characters and the specials that
// would need quoting.
const EMAIL_LOCAL = /^[^\s\p{Cc}@<>()[\]\\,;:"]+$/u;
// One DNS label: letters (IDN allowed), digits and inner hyphens, at most 63 long.
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

/**
 * An e-mail address as stored (trimmed, the domain lower-cased: mailbox names may be
 * case-sensitive, RFC 5321, domain names never are), or undefined when it is not one.
 */
export function normaliseEmail(input: string): string | undefined {
  const answer = input.trim();
  if (answer.length > 254) return undefined;
  const parts = answer.split('@');
  if (parts.length !== 2) return undefined;
  const local = parts[0] ?? '';
  const domain = parts[1] ?? '';
  if (local.length > 64 || !EMAIL_LOCAL.test(local)) return undefined;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return undefined;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return undefined;
  // An all-digit TLD means an IP address or a typo, never a real domain.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return undefined;
  return `${local}@${domain.toLowerCase()}`;
}

// Only what people type around a phone number, a `+` only in front. This keeps out prose
// ("call me at …"), which libphonenumber would otherwise dig a number out of, and
// extensions, which E.164 cannot carry.
const PHONE_CHARS = /^\+?[\d\s().\-/]+$/;
/** The shortest national number of any country is 4 digits (Niue, Saint Helena, …). */
const MIN_PHONE_DIGITS = 4;
/** The longest national number (17) with a country code, an international prefix and a `(0)`. */
const MAX_PHONE_DIGITS = 24;
const MAX_PHONE_LENGTH = 40;

/**
 * Whether a text can be a phone number as people type one: digits with spaces, dots, dashes,
 * slashes or brackets, an optional `+` in front, 4 to 24 digits. The browser's check (it has no
 * numbering plans); the hub's first step.
 */
export function isPhoneShaped(input: string): boolean {
  const value = input.trim();
  if (value.length > MAX_PHONE_LENGTH || !PHONE_CHARS.test(value)) return false;
  const digits = value.replace(/\D/g, '').length;
  return digits >= MIN_PHONE_DIGITS && digits <= MAX_PHONE_DIGITS;
}
