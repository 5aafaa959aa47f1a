/**
 * Checking a user's answer to a flow's `ask` question.
 *
 * A flow author writes e.g.
 *
 * ```yaml
 * - ask: What is your phone number?
 *   validate: { type: phone, defaultCountry: CZ }
 * ```
 *
 * The flow engine parses `validate:` with {@link answerValidatorSchema} when the
 * flow loads, and calls {@link validateAnswer} on every answer. A failed answer
 * yields a short machine-friendly `reason` (for logs and tests); the flow shows
 * its own retry text to the user.
 */
import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { normaliseEmail } from '../core/validate/contact-fields.js';
import { toE164 } from '../core/validate/phone.js';

/**
 * Longest input the `regex` validator tests, and the ceiling (and default) for
 * `text` answers. Matches the schema's `maxLength` ceiling and the message size
 * limit of the channels we serve.
 */
const MAX_INPUT_LENGTH = 4096;

/** The `pattern` error text, or undefined when pattern + flags compile. */
function regexError(pattern: string, flags = ''): string | undefined {
  try {
    new RegExp(pattern, flags);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const countryCodeSchema = z
  .string()
  .regex(/^[A-Z]{2}$/, { error: 'defaultCountry must be an uppercase ISO 3166-1 alpha-2 code such as CZ or GB' })
  // Catches typos and non-ISO codes (UK instead of GB) at load time rather than at the first answer.
  .refine((code) => isSupportedCountry(code), { error: (iss) => `unknown or unsupported country code '${String(iss.input)}'` });

const textValidatorSchema = z
  .strictObject({
    type: z.literal('text'),
    minLength: z.number().int().min(0).optional(),
    maxLength: z.number().int().min(1).max(MAX_INPUT_LENGTH).optional(),
  })
  .refine((v) => v.minLength === undefined || v.maxLength === undefined || v.minLength <= v.maxLength, {
    error: 'minLength must not be greater than maxLength',
    path: ['minLength'],
  });

const numberValidatorSchema = z
  .strictObject({
    type: z.literal('number'),
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().optional(),
  })
  .refine((v) => v.min === undefined || v.max === undefined || v.min <= v.max, {
    error: 'min must not be greater than max',
    path: ['min'],
  });

const regexValidatorSchema = z
  .strictObject({
    type: z.literal('regex'),
    pattern: z
      .string()
      .min(1, { error: 'pattern must not be empty' })
      .refine((p) => regexError(p) === undefined, {
        error: (iss) => `pattern is not a valid JavaScript regular expression: ${regexError(String(iss.input))}`,
      }),
    // g and y are left out on purpose: they make RegExp#test stateful (lastIndex).
    flags: z
      .string()
      .regex(/^[imsu]*$/, { error: 'flags may only contain i, m, s and u' })
      .refine((f) => new Set(f).size === f.length, { error: 'flags must not repeat a letter' })
      .optional(),
  })
  // Some patterns are valid only without the u flag (e.g. /\-/), so check the pair too,
  // unless one of them is already reported broken on its own above.
  .refine((v) => regexError(v.pattern) !== undefined || regexError('', v.flags) !== undefined || regexError(v.pattern, v.flags) === undefined, {
    error: (iss) => {
      const v = iss.input as { pattern: string; flags?: string };
      return `pattern does not compile with flags '${v.flags ?? ''}': ${regexError(v.pattern, v.flags)}`;
    },
    path: ['pattern'],
  });

/**
 * How an `ask` node checks an answer, as written in the flow YAML under `validate:`.
 *
 * For `regex`, the pattern is tested as written: a full match is NOT implied,
 * so authors should anchor it with `^…$` (`^\d{5}$`, not `\d{5}`).
 */
export const answerValidatorSchema = z.discriminatedUnion('type', [
  textValidatorSchema,
  z.strictObject({ type: z.literal('email') }),
  z.strictObject({ type: z.literal('phone'), defaultCountry: countryCodeSchema.optional() }),
  numberValidatorSchema,
  z.strictObject({ type: z.literal('date') }),
  regexValidatorSchema,
  z.strictObject({ type: z.literal('choice') }),
]);

/** A parsed `validate:` block of an `ask` node. */
export type AnswerValidator = z.infer<typeof answerValidatorSchema>;

/** A choice the `ask` node offered; a `choice` answer must pick one of them. */
export interface OfferedChoice {
  id: string;
  label: string;
}

/**
 * Outcome of {@link validateAnswer}: the normalised value, or a short
 * machine-friendly reason code such as `empty`, `too_long` or `invalid_phone`.
 */
export type Validated = { ok: true; value: string | number } | { ok: false; reason: string };

/** Extra facts the validator needs from the running flow. */
export interface ValidationContext {
  /** The choices the question offered (for `choice`). */
  choices?: readonly OfferedChoice[];
  /** Workspace-wide default country for `phone`, used when the validator sets none. */
  defaultCountry?: string;
}

const ok = (value: string | number): Validated => ({ ok: true, value });
const fail = (reason: string): Validated => ({ ok: false, reason });

/**
 * Checks one answer against a validator and normalises it.
 *
 * The input is trimmed first; an empty answer always fails with `empty`.
 * Normalised values: `text` and `regex` → trimmed input, `email` → domain
 * lower-cased, `phone` → E.164, `number` → a number, `date` → `YYYY-MM-DD`,
 * `choice` → the choice id.
 *
 * Never throws for any input string.
 */
export function validateAnswer(validator: AnswerValidator, input: string, context?: ValidationContext): Validated {
  const answer = input.trim();
  if (answer === '') return fail('empty');
  switch (validator.type) {
    case 'text':
      return validateText(answer, validator.minLength ?? 0, validator.maxLength ?? MAX_INPUT_LENGTH);
    case 'email':
      return validateEmail(answer);
    case 'phone':
      return validatePhone(answer, validator.defaultCountry ?? context?.defaultCountry);
    case 'number':
      return validateNumber(answer, validator);
    case 'date':
      return validateDate(answer);
    case 'regex':
      return validateRegex(answer, validator.pattern, validator.flags);
    case 'choice':
      return validateChoice(answer, context?.choices ?? []);
  }
}

function validateText(answer: string, minLength: number, maxLength: number): Validated {
  // Count code points, not UTF-16 units, so an emoji counts as one character.
  const length = [...answer].length;
  if (length < minLength) return fail('too_short');
  if (length > maxLength) return fail('too_long');
  return ok(answer);
}

function validateEmail(answer: string): Validated {
  const email = normaliseEmail(answer);
  return email === undefined ? fail('invalid_email') : ok(email);
}

function validatePhone(answer: string, defaultCountry: string | undefined): Validated {
  const phone = toE164(answer, defaultCountry);
  return phone === undefined ? fail('invalid_phone') : ok(phone);
}

// Optional sign, then either plain digits or digits grouped by three with
// spaces (also the no-break spaces locales insert: U+00A0, U+202F), then an
// optional decimal part after a dot or a comma. Mixing ',' and '.' is rejected
// as ambiguous (1,000.5 vs 1.000,5). No exponents, no NaN/Infinity.
const NUMBER = /^([+-]?)(\d+|\d{1,3}(?:[ \u00A0\u202F]\d{3})+)(?:[.,](\d+))?$/;

function validateNumber(answer: string, rules: { min?: number; max?: number; integer?: boolean }): Validated {
  const match = NUMBER.exec(answer);
  if (match === null) return fail('not_a_number');
  const [, sign = '', whole = '', fraction] = match;
  const value = Number(`${sign}${whole.replace(/\D/g, '')}${fraction === undefined ? '' : `.${fraction}`}`);
  // Hundreds of digits overflow to Infinity.
  if (!Number.isFinite(value)) return fail('not_a_number');
  if (rules.integer === true && !Number.isInteger(value)) return fail('not_an_integer');
  if (rules.min !== undefined && value < rules.min) return fail('below_min');
  if (rules.max !== undefined && value > rules.max) return fail('above_max');
  // `+ 0` turns -0 into 0, so "-0" is stored and logged as 0.
  return ok(value + 0);
}

// ISO first; the others are day-first as written in Europe (so 11/21/2026 is rejected,
// since there is no month 21). "21. 11. 2026" is the Czech/Slovak spelling.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_FIRST_DATE = /^(\d{1,2})(?:\.\s*|\/)(\d{1,2})(?:\.\s*|\/)(\d{4})$/;

function validateDate(answer: string): Validated {
  let year: number, month: number, day: number;
  const iso = ISO_DATE.exec(answer);
  const dayFirst = iso === null ? DAY_FIRST_DATE.exec(answer) : null;
  if (iso !== null) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else if (dayFirst !== null) {
    // Don't accept mixed separators like 21.11/2026.
    if (answer.includes('/') && answer.includes('.')) return fail('invalid_date');
    [day, month, year] = [Number(dayFirst[1]), Number(dayFirst[2]), Number(dayFirst[3])];
  } else {
    return fail('invalid_date');
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return fail('invalid_date');
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return ok(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function validateRegex(answer: string, pattern: string, flags: string | undefined): Validated {
  // Bounds the work a badly written pattern can do. It cannot rule out
  // catastrophic backtracking entirely; patterns are author-supplied and trusted.
  // Rejecting rather than truncating, as a truncated answer is not what the user sent.
  if (answer.length > MAX_INPUT_LENGTH) return fail('too_long');
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, flags);
  } catch {
    // Unreachable for schema-parsed validators; a broken pattern accepts nothing.
    return fail('no_match');
  }
  return regex.test(answer) ? ok(answer) : fail('no_match');
}

/** Case- and spacing-insensitive form of a label; NFC so decomposed accents still match. */
function normaliseLabel(label: string): string {
  return label.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

function validateChoice(answer: string, choices: readonly OfferedChoice[]): Validated {
  if (choices.length === 0) return fail('unknown_choice');
  // Order matters when they disagree: an id is what a button sends back, so it
  // wins; then the label the user saw; then its position in the list.
  const byId = choices.find((c) => c.id === answer);
  if (byId !== undefined) return ok(byId.id);
  const wanted = normaliseLabel(answer);
  const byLabel = choices.find((c) => normaliseLabel(c.label) === wanted);
  if (byLabel !== undefined) return ok(byLabel.id);
  // "2", "2." or "2)" picks the second choice.
  const numbered = /^(\d{1,4})[.)]?$/.exec(answer);
  const byNumber = numbered === null ? undefined : choices[Number(numbered[1]) - 1];
  if (byNumber !== undefined) return ok(byNumber.id);
  return fail('unknown_choice');
}
