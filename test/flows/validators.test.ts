import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnswerValidator, type OfferedChoice, type Validated, answerValidatorSchema, validateAnswer } from '../../flows/validators.js';

type Row = [input: string, expected: Validated];
const yes = (value: string | number): Validated => ({ ok: true, value });
const no = (reason: string): Validated => ({ ok: false, reason });

/** Parses through the schema, as the flow loader does, so the tests also cover it. */
function validator(raw: unknown): AnswerValidator {
  return answerValidatorSchema.parse(raw);
}

describe('empty answers', () => {
  const all: AnswerValidator[] = [
    { type: 'text' },
    { type: 'email' },
    { type: 'phone', defaultCountry: 'CZ' },
    { type: 'number' },
    { type: 'date' },
    { type: 'regex', pattern: '.*' },
    { type: 'choice' },
  ];
  it.each(all)('$type rejects blank input as empty', (v) => {
    for (const input of ['', '   ', '\t\n', '\u00a0']) {
      expect(validateAnswer(v, input, { choices: [{ id: 'a', label: 'A' }] })).toEqual(no('empty'));
    }
  });
});

describe('text', () => {
  const v = validator({ type: 'text', minLength: 2, maxLength: 5 });
  it.each<Row>([
    ['ab', yes('ab')],
    ['  hello  ', yes('hello')],
    ['😀😀', yes('😀😀')], // code points, not UTF-16 units
    ['a', no('too_short')],
    ['abcdef', no('too_long')],
    ['😀😀😀😀😀😀', no('too_long')],
  ])('%j → %j', (input, expected) => {
    expect(validateAnswer(v, input)).toEqual(expected);
  });

  it('caps unbounded text at 4096 characters', () => {
    expect(validateAnswer({ type: 'text' }, 'x'.repeat(4096))).toEqual(yes('x'.repeat(4096)));
    expect(validateAnswer({ type: 'text' }, 'x'.repeat(4097))).toEqual(no('too_long'));
  });
});

describe('email', () => {
  const v = validator({ type: 'email' });
  it.each<Row>([
    ['jana@example.com', yes('jana@example.com')],
    [' Jana.Novak@Example.CZ ', yes('Jana.Novak@example.cz')],
    ['first+tag@mail.co.uk', yes('first+tag@mail.co.uk')],
    ['x@sub-domain.example.org', yes('x@sub-domain.example.org')],
    ['petr@příklad.cz', yes('petr@příklad.cz')],
    ['plain', no('invalid_email')],
    ['@example.com', no('invalid_email')],
    ['jana@', no('invalid_email')],
    ['jana@localhost', no('invalid_email')],
    ['jana@@example.com', no('invalid_email')],
    ['a@b@example.com', no('invalid_email')],
    ['jana novak@example.com', no('invalid_email')],
    ['jana@exa mple.com', no('invalid_email')],
    ['jana@example..com', no('invalid_email')],
    ['jana@.example.com', no('invalid_email')],
    ['jana@example.com.', no('invalid_email')],
    ['jana@-example.com', no('invalid_email')],
    ['.jana@example.com', no('invalid_email')],
    ['ja..na@example.com', no('invalid_email')],
    ['jana@1.2.3.4', no('invalid_email')],
    ['<jana@example.com>', no('invalid_email')],
    [`${'a'.repeat(65)}@example.com`, no('invalid_email')],
    [`a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(57)}.com`, no('invalid_email')], // 255 characters
  ])('%j → %j', (input, expected) => {
    expect(validateAnswer(v, input)).toEqual(expected);
  });

  it('allows up to 254 characters in total', () => {
    const longest = `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(56)}.com`;
    expect(longest).toHaveLength(254);
    expect(validateAnswer(v, longest)).toEqual(yes(longest));
  });
});

describe('phone', () => {
  const cz = validator({ type: 'phone', defaultCountry: 'CZ' });
  const bare = validator({ type: 'phone' });
  it.each<[AnswerValidator, string, Validated]>([
    [cz, '601 123 456', yes('+420601123456')],
    [cz, '601123456', yes('+420601123456')],
    [cz, '+420 601 123 456', yes('+420601123456')],
    [cz, '00420 601 123 456', yes('+420601123456')],
    [cz, '+44 20 7946 0958', yes('+442079460958')], // international beats the default country
    [bare, '+44 20 7946 0958', yes('+442079460958')],
    [bare, '+1 (213) 373-4253', yes('+12133734253')],
    [bare, '601 123 456', no('invalid_phone')], // no country to assume
    [cz, '601 123 45', no('invalid_phone')],
    [cz, '+420 999 123 456', no('invalid_phone')], // right length, unassigned range: needs 'max' metadata
    [cz, '+1 555 123 4567', no('invalid_phone')],
    [cz, 'call me at 601 123 456', no('invalid_phone')],
    [cz, '+420 601 123 456 ext. 5', no('invalid_phone')],
    [cz, '601123456abc', no('invalid_phone')],
    [cz, 'hello', no('invalid_phone')],
    [cz, '1'.repeat(300), no('invalid_phone')],
  ])('%o %j → %j', (v, input, expected) => {
    expect(validateAnswer(v, input)).toEqual(expected);
  });

  it('falls back to the context country, but the validator country wins', () => {
    expect(validateAnswer(bare, '601 123 456', { defaultCountry: 'CZ' })).toEqual(yes('+420601123456'));
    expect(validateAnswer(bare, '601 123 456', { defaultCountry: 'cz' })).toEqual(yes('+420601123456'));
    expect(validateAnswer(bare, '020 7946 0958', { defaultCountry: 'GB' })).toEqual(yes('+442079460958'));
    expect(validateAnswer(cz, '601 123 456', { defaultCountry: 'GB' })).toEqual(yes('+420601123456'));
  });

  it('ignores an unknown context country instead of throwing', () => {
    expect(validateAnswer(bare, '601 123 456', { defaultCountry: 'XX' })).toEqual(no('invalid_phone'));
    expect(validateAnswer(bare, '+420 601 123 456', { defaultCountry: 'nonsense' })).toEqual(yes('+420601123456'));
  });
});

describe('number', () => {
  const v = validator({ type: 'number' });
  it.each<Row>([
    ['12', yes(12)],
    ['-3.5', yes(-3.5)],
    ['+7', yes(7)],
    ['1 000', yes(1000)],
    ['1 000 000,25', yes(1000000.25)],
    ['1\u00a0000', yes(1000)],
    ['1\u202f000', yes(1000)],
    ['1,5', yes(1.5)],
    ['-0', yes(0)],
    ['007', yes(7)],
    ['12abc', no('not_a_number')],
    ['abc', no('not_a_number')],
    ['NaN', no('not_a_number')],
    ['Infinity', no('not_a_number')],
    ['-Infinity', no('not_a_number')],
    ['1e3', no('not_a_number')],
    ['0x10', no('not_a_number')],
    ['1,000.5', no('not_a_number')],
    ['1.5.2', no('not_a_number')],
    ['1 00', no('not_a_number')],
    ['10 00', no('not_a_number')],
    ['.5', no('not_a_number')],
    ['5.', no('not_a_number')],
    ['--5', no('not_a_number')],
    ['- 5', no('not_a_number')],
    ['٣', no('not_a_number')],
    ['9'.repeat(400), no('not_a_number')],
  ])('%j → %j', (input, expected) => {
    expect(validateAnswer(v, input)).toEqual(expected);
  });

  const bounded = validator({ type: 'number', min: 1, max: 10, integer: true });
  it.each<Row>([
    ['1', yes(1)],
    ['10', yes(10)],
    ['10,0', yes(10)],
    ['0', no('below_min')],
    ['-1', no('below_min')],
    ['11', no('above_max')],
    ['2,5', no('not_an_integer')],
  ])('min 1, max 10, integer: %j → %j', (input, expected) => {
    expect(validateAnswer(bounded, input)).toEqual(expected);
  });
});

describe('date', () => {
  const v = validator({ type: 'date' });
  it.each<Row>([
    ['2026-11-21', yes('2026-11-21')],
    ['21.11.2026', yes('2026-11-21')],
    ['21/11/2026', yes('2026-11-21')],
    ['21. 11. 2026', yes('2026-11-21')],
    ['1.2.2026', yes('2026-02-01')],
    ['29.02.2024', yes('2024-02-29')], // leap year
    ['2000-02-29', yes('2000-02-29')], // divisible by 400
    ['2026-02-30', no('invalid_date')],
    ['29.02.2026', no('invalid_date')],
    ['1900-02-29', no('invalid_date')], // divisible by 100 only
    ['31.04.2026', no('invalid_date')],
    ['2026-13-01', no('invalid_date')],
    ['2026-00-10', no('invalid_date')],
    ['00.01.2026', no('invalid_date')],
    ['11/21/2026', no('invalid_date')], // day first, so month 21
    ['0000-01-01', no('invalid_date')],
    ['2026-1-5', no('invalid_date')],
    ['21.11.26', no('invalid_date')],
    ['21.11/2026', no('invalid_date')],
    ['2026-11-21T10:00', no('invalid_date')],
    ['tomorrow', no('invalid_date')],
  ])('%j → %j', (input, expected) => {
    expect(validateAnswer(v, input)).toEqual(expected);
  });
});

describe('regex', () => {
  const zip = validator({ type: 'regex', pattern: '^\\d{3} ?\\d{2}$' });
  const unanchored = validator({ type: 'regex', pattern: '\\d{3}' });
  const caseless = validator({ type: 'regex', pattern: '^[a-z]+$', flags: 'i' });
  it.each<[AnswerValidator, string, Validated]>([
    [zip, '110 00', yes('110 00')],
    [zip, ' 11000 ', yes('11000')],
    [zip, '1100', no('no_match')],
    [zip, '110 000', no('no_match')],
    [unanchored, 'abc123def', yes('abc123def')], // the pattern decides: no implied full match
    [unanchored, 'ab12', no('no_match')],
    [caseless, 'Hello', yes('Hello')],
    [caseless, 'Hello!', no('no_match')],
  ])('%o %j → %j', (v, input, expected) => {
    expect(validateAnswer(v, input)).toEqual(expected);
  });

  it('rejects inputs over 4096 characters without testing them', () => {
    const any = validator({ type: 'regex', pattern: '^a+$' });
    expect(validateAnswer(any, 'a'.repeat(4096))).toEqual(yes('a'.repeat(4096)));
    expect(validateAnswer(any, 'a'.repeat(4097))).toEqual(no('too_long'));
  });
});

describe('choice', () => {
  const v = validator({ type: 'choice' });
  const choices: OfferedChoice[] = [
    { id: 'sales', label: 'Talk to  Sales' },
    { id: 'support', label: 'Technical support' },
    { id: 'billing', label: 'Účty a platby' },
  ];
  it.each<Row>([
    ['sales', yes('sales')],
    ['support', yes('support')],
    ['talk to sales', yes('sales')],
    ['  TALK   to\tSALES ', yes('sales')],
    ['technical SUPPORT', yes('support')],
    ['účty a platby', yes('billing')],
    ['U\u0301čty a platby', yes('billing')], // decomposed accent
    ['1', yes('sales')],
    ['2', yes('support')],
    ['3.', yes('billing')],
    ['3)', yes('billing')],
    ['0', no('unknown_choice')],
    ['4', no('unknown_choice')],
    ['-1', no('unknown_choice')],
    ['Sales', no('unknown_choice')], // ids are exact; labels are whole
    ['talk', no('unknown_choice')],
  ])('%j → %j', (input, expected) => {
    expect(validateAnswer(v, input, { choices })).toEqual(expected);
  });

  it('prefers id, then label, then position when they disagree', () => {
    const tricky: OfferedChoice[] = [
      { id: 'x', label: '2' },
      { id: '1', label: 'One' },
      { id: 'z', label: 'Zed' },
    ];
    expect(validateAnswer(v, '1', { choices: tricky })).toEqual(yes('1')); // id, not position 1
    expect(validateAnswer(v, '2', { choices: tricky })).toEqual(yes('x')); // label, not position 2
    expect(validateAnswer(v, '3', { choices: tricky })).toEqual(yes('z')); // position
  });

  it('fails without choices in the context', () => {
    expect(validateAnswer(v, 'sales')).toEqual(no('unknown_choice'));
    expect(validateAnswer(v, '1', { choices: [] })).toEqual(no('unknown_choice'));
  });
});

describe('answerValidatorSchema', () => {
  it.each([
    { type: 'text' },
    { type: 'text', minLength: 0, maxLength: 4096 },
    { type: 'email' },
    { type: 'phone' },
    { type: 'phone', defaultCountry: 'GB' },
    { type: 'number', min: -1.5, max: 2, integer: false },
    { type: 'date' },
    { type: 'regex', pattern: '^\\p{L}+$', flags: 'iu' },
    { type: 'choice' },
  ])('accepts %o', (raw) => {
    expect(answerValidatorSchema.safeParse(raw).success).toBe(true);
  });

  it.each<[unknown, string]>([
    [{ type: 'regex', pattern: '([a-z' }, 'not a valid JavaScript regular expression'],
    [{ type: 'regex', pattern: '\\-', flags: 'u' }, 'does not compile with flags'],
    [{ type: 'regex', pattern: '' }, 'must not be empty'],
    [{ type: 'regex', pattern: 'a', flags: 'g' }, 'flags may only contain'],
    [{ type: 'regex', pattern: 'a', flags: 'ii' }, 'must not repeat'],
    [{ type: 'regex' }, 'pattern'],
    [{ type: 'url' }, 'type'],
    [{}, 'type'],
    [{ type: 'email', strict: true }, 'strict'],
    [{ type: 'text', maxLength: 10, minLen: 2 }, 'minLen'],
    [{ type: 'text', maxLength: 0 }, 'maxLength'],
    [{ type: 'text', maxLength: 5000 }, 'maxLength'],
    [{ type: 'text', minLength: 1.5 }, 'minLength'],
    [{ type: 'text', minLength: 5, maxLength: 2 }, 'minLength must not be greater than maxLength'],
    [{ type: 'number', min: 5, max: 1 }, 'min must not be greater than max'],
    [{ type: 'number', min: '1' }, 'min'],
    [{ type: 'phone', defaultCountry: 'cz' }, 'uppercase ISO 3166-1 alpha-2'],
    [{ type: 'phone', defaultCountry: 'CZE' }, 'uppercase ISO 3166-1 alpha-2'],
    [{ type: 'phone', defaultCountry: 'UK' }, "unknown or unsupported country code 'UK'"],
  ])('rejects %o', (raw, mention) => {
    const result = answerValidatorSchema.safeParse(raw);
    expect(result.success).toBe(false);
    // Each failure names what is wrong, either in the message or in the path.
    const text = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n') ?? '';
    expect(text).toContain(mention);
  });

  it("reports a broken pattern once, with the engine's reason", () => {
    const result = answerValidatorSchema.safeParse({ type: 'regex', pattern: '([a-z', flags: 'i' });
    expect(result.error?.issues).toHaveLength(1);
    expect(result.error?.issues[0]?.path).toEqual(['pattern']);
    expect(result.error?.issues[0]?.message).toMatch(/^pattern is not a valid JavaScript regular expression: .*Unterminated/);
  });

  it('reports bad flags once', () => {
    const result = answerValidatorSchema.safeParse({ type: 'regex', pattern: 'a', flags: 'x' });
    expect(result.error?.issues.map((i) => i.message)).toEqual(['flags may only contain i, m, s and u']);
  });
});

describe('properties', () => {
  // Every kind of string: printable ASCII, full Unicode, single UTF-16 units
  // (so lone surrogates too), and strings built from the characters the parsers
  // care about so the interesting branches are hit often.
  const anyString = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
    fc.string({ unit: fc.constantFrom(...'0123456789 +-.,/()@\u00a0\u202fe'), maxLength: 40 }),
  );

  const validators: AnswerValidator[] = [
    { type: 'text' },
    { type: 'text', minLength: 3, maxLength: 10 },
    { type: 'email' },
    { type: 'phone' },
    { type: 'phone', defaultCountry: 'CZ' },
    { type: 'number' },
    { type: 'number', min: -5, max: 5, integer: true },
    { type: 'date' },
    { type: 'regex', pattern: '^\\w+$' },
    { type: 'regex', pattern: '^\\p{L}+$', flags: 'iu' },
    { type: 'choice' },
  ];
  const choices: OfferedChoice[] = [
    { id: 'a', label: 'Alpha' },
    { id: 'b', label: 'Bravo' },
  ];

  it.each(validators)('validateAnswer(%o) never throws and returns a well-formed result', (v) => {
    fc.assert(
      fc.property(anyString, fc.option(fc.string(), { nil: undefined }), (input, country) => {
        const result = validateAnswer(v, input, { choices, defaultCountry: country });
        if (result.ok) {
          expect(['string', 'number']).toContain(typeof result.value);
        } else {
          expect(result.reason).toMatch(/^[a-z_]+$/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('ok numbers are finite and within min/max (and integral when asked)', () => {
    const numberish = fc.oneof(
      anyString,
      fc.double({ noNaN: true }).map(String),
      fc.integer().map(String),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((n) => String(n).replace('.', ',')),
    );
    fc.assert(
      fc.property(
        fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: undefined }),
        fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: undefined }),
        fc.boolean(),
        numberish,
        (a, b, integer, input) => {
          // Order the bounds as the schema demands.
          const [min, max] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
          const v = validator({ type: 'number', min, max, integer });
          const result = validateAnswer(v, input);
          if (!result.ok) return;
          expect(typeof result.value).toBe('number');
          const value = result.value as number;
          expect(Number.isFinite(value)).toBe(true);
          if (min !== undefined) expect(value).toBeGreaterThanOrEqual(min);
          if (max !== undefined) expect(value).toBeLessThanOrEqual(max);
          if (integer) expect(Number.isInteger(value)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('plain integers round-trip through number', () => {
    fc.assert(
      fc.property(fc.integer(), (n) => {
        expect(validateAnswer({ type: 'number' }, String(n))).toEqual(yes(n + 0));
      }),
    );
  });

  it('every real calendar date is accepted in each format and normalised to ISO', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString().slice(0, 10);
        const [y, m, day] = iso.split('-');
        for (const input of [iso, `${day}.${m}.${y}`, `${day}/${m}/${y}`, `${Number(day)}. ${Number(m)}. ${y}`]) {
          expect(validateAnswer({ type: 'date' }, input)).toEqual(yes(iso));
        }
      }),
    );
  });
});
