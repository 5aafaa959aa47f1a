import type { InboundMessage } from '../message.js';

/** What a card number becomes: nothing of it is kept (not even the last four digits). */
export const cardReplacement = '[card number removed]';

/**
 * 13 to 19 digits, each pair separated by at most one space or dash, not part of a longer run of
 * digits: how people type a card number ("4111 1111 1111 1111", "4111-1111-1111-1111").
 */
const cardCandidate = /(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])/g;

/** The Luhn checksum every payment card number satisfies (ISO/IEC 7812). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A workspace's own pattern to remove (an IBAN, a national id), from `privacy.redaction.patterns`. */
export interface RedactionPattern {
  name: string;
  pattern: string;
}

/** What one text came to: the text to keep, and how many of each kind were removed. */
export interface Redacted {
  text: string;
  removed: Record<string, number>;
}

/**
 * Removes payment-card numbers (Luhn-valid, 13–19 digits) and the workspace's own patterns from
 * a text, before anything stores, queues, logs or shows it to a flow.
 *
 * @example
 * new Redactor([]).redact('card 4111 1111 1111 1111').text; // 'card [card number removed]'
 */
export class Redactor {
  private readonly patterns: { name: string; regex: RegExp; replacement: string }[];

  constructor(patterns: readonly RedactionPattern[]) {
    this.patterns = patterns.map((p) => ({ name: p.name, regex: new RegExp(p.pattern, 'gi'), replacement: `[${p.name} removed]` }));
  }

  redact(text: string): Redacted {
    const removed: Record<string, number> = {};
    const count = (kind: string) => (removed[kind] = (removed[kind] ?? 0) + 1);
    let out = text.replace(cardCandidate, (match) => {
      if (!luhnValid(match.replace(/[ -]/g, ''))) return match;
      count('card');
      return cardReplacement;
    });
    for (const { name, regex, replacement } of this.patterns) {
      out = out.replace(regex, () => {
        count(name);
        return replacement;
      });
    }
    return { text: out, removed };
  }

  /**
   * An inbound message with every text the person wrote redacted (the text or caption, a
   * form's values), and `redacted` naming what was removed, for the turn to answer (never the
   * values themselves). The message is returned as it was when nothing matched.
   */
  inbound(message: InboundMessage): { message: InboundMessage; removed: Record<string, number> } {
    const removed: Record<string, number> = {};
    const clean = (text: string): string => {
      const r = this.redact(text);
      for (const [kind, n] of Object.entries(r.removed)) removed[kind] = (removed[kind] ?? 0) + n;
      return r.text;
    };
    const { content } = message;
    const redactedContent: InboundMessage['content'] =
      content.type === 'form'
        ? { ...content, fields: Object.fromEntries(Object.entries(content.fields).map(([k, v]) => [k, clean(v)])) }
        : content.text !== undefined
          ? { ...content, text: clean(content.text) }
          : content;
    const kinds = Object.keys(removed);
    if (!kinds.length) return { message, removed };
    return { message: { ...message, content: redactedContent, redacted: kinds }, removed };
  }
}
