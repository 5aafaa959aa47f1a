import { describe, expect, it } from 'vitest';
import { luhnValid, Redactor } from '../../core/privacy/redact.js';

const cards = new Redactor([]);

describe('card numbers', () => {
  it.each([
    ['4111 1111 1111 1111', 'spaces (Visa test number)'],
    ['4111-1111-1111-1111', 'dashes'],
    ['4111111111111111', 'no separators'],
    ['378282246310005', 'a 15-digit Amex'],
    ['4222222222222', '13 digits'],
    ['6011 0009 9013 9424', 'Discover'],
    ['5555 5555 5555 4444', 'Mastercard'],
    ['4000 0000 0000 0000 006', '19 digits'],
  ])('removes %s (%s), keeping nothing of it', (number) => {
    const { text, removed } = cards.redact(`my card is ${number}, thanks`);
    expect(text).toBe('my card is [card number removed], thanks');
    expect(removed).toEqual({ card: 1 });
    expect(text).not.toMatch(/\d{4}/);
  });

  it.each([
    ['4111 1111 1111 1112', 'fails the Luhn check'],
    ['+420 601 123 456', 'a phone number (12 digits)'],
    ['order 2026-12-02-0001', 'a date and a counter (12 digits)'],
    ['41111111111111111111', '20 digits in a row: no card number is part of a longer number'],
    ['4111  1111 1111 1111', 'two spaces are two numbers'],
  ])('leaves %s alone (%s)', (value) => {
    expect(cards.redact(value)).toEqual({ text: value, removed: {} });
  });

  it('removes every card number in a text, and counts them', () => {
    expect(cards.redact('4111111111111111 or 5555555555554444?')).toEqual({
      text: '[card number removed] or [card number removed]?',
      removed: { card: 2 },
    });
  });

  it('checks Luhn as ISO/IEC 7812 does', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
  });
});

describe("a workspace's own patterns", () => {
  const redactor = new Redactor([{ name: 'iban', pattern: '\\bCZ\\d{2}(?: ?\\d{4}){5}\\b' }]);

  it('removes them beside card numbers, case-insensitively, named in the replacement', () => {
    expect(redactor.redact('pay to cz65 0800 0000 1920 0014 5399 or card 4111 1111 1111 1111')).toEqual({
      text: 'pay to [iban removed] or card [card number removed]',
      removed: { card: 1, iban: 1 },
    });
  });

  it("redacts an inbound message's text and a form's values, naming what it removed", () => {
    const address = { workspace: 'shop', channel: 'widget', account: 'site', user: 'v1' };
    const form = redactor.inbound({
      platformId: 'f1',
      address,
      receivedAt: new Date().toISOString(),
      content: { type: 'form', form: 'offline', fields: { message: 'card 4111111111111111', email: 'ada@example.com' } },
    });
    expect(form.message.content).toEqual({ type: 'form', form: 'offline', fields: { message: 'card [card number removed]', email: 'ada@example.com' } });
    expect(form.message.redacted).toEqual(['card']);
    const untouched = { platformId: 't1', address, receivedAt: new Date().toISOString(), content: { type: 'text' as const, text: 'hello' } };
    expect(redactor.inbound(untouched)).toEqual({ message: untouched, removed: {} });
  });
});
