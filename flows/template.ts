/**
 * Templating of flow texts, URLs and request bodies from variables.
 *
 * Syntax: `{{ path }}` or `{{ path | "fallback" }}`, where `path` is dotted segments (`contact.name`,
 * `order.items.0.title`), and `\{{` writes a literal `{{`. Values are substituted in a single pass and
 * encoded for where they land (`text`, `url` or `json`), so whatever a user types can only ever become
 * data, never template syntax, URL structure or JSON structure.
 *
 * The scanner is a hand-written loop over the template: no regular expressions on the template, no eval.
 */

/** How substituted values are encoded: chat text, a URL (each value one component) or a JSON body (each value one JSON literal). */
export type Encoding = 'text' | 'url' | 'json';

/** A problem found in a template. `offset` is a UTF-16 index into the template, for `file:line:col` reporting by the caller. */
interface TemplateError {
  offset: number;
  message: string;
}

/** What {@link parseTemplate} found in a template. */
export interface ParsedTemplate {
  /** Every variable path referenced, e.g. ['contact.name', 'order_number']: well-formed placeholders only, each once, in order of first use. */
  paths: string[];
  /** Syntax errors, in order of their offsets; empty when the template is well-formed. */
  errors: TemplateError[];
}

const DEFAULT_MAX_LENGTH = 4096;
/** Cap on one substituted value in `text`: a chat message must stay readable whatever a user pasted into an earlier answer. */
const MAX_TEXT_VALUE = 1000;

type Placeholder = { kind: 'var'; path: string[]; fallback: string | undefined };
type Part = { kind: 'text'; text: string } | Placeholder;

/**
 * Finds the placeholders in a template and reports its syntax errors. Never throws.
 *
 * Errors: an unclosed `{{` (no `}}` before the next `{{` or the end), an empty placeholder, a malformed path
 * (segments are `[A-Za-z_][A-Za-z0-9_]*`, or digits after the first segment, joined by `.`), a fallback that
 * is not a double-quoted JSON string literal, and anything else inside the braces.
 */
export function parseTemplate(template: string): ParsedTemplate {
  const { parts, errors } = tokenize(template);
  const paths = new Set<string>();
  for (const part of parts) if (part.kind === 'var') paths.add(part.path.join('.'));
  return { paths: [...paths], errors };
}

/**
 * Renders a template against `scope`. Never throws: broken placeholders are written out literally (the flow
 * validator reports them with {@link parseTemplate} before a flow is loaded).
 *
 * - Single pass: substituted values are never interpreted again, so an answer of `{{secret}}` stays that text.
 * - Values: strings as is; numbers, booleans and bigints via `String()`; missing, `null` and `undefined` give the
 *   fallback or nothing. Paths only follow own properties, so `{{constructor}}` or `{{__proto__}}` find nothing.
 * - `text` (default): objects and arrays give nothing (never `[object Object]`); C0/C1 control characters other
 *   than `\n` and `\t` (and DEL) are stripped from substituted values; each value is capped at 1000 characters.
 * - `url`: each value is `encodeURIComponent`-ed, so it cannot add path segments, query parameters or a fragment,
 *   nor change the host. `.` and `..` are encoded one level deeper (`%252E`), since URL parsers treat them, and
 *   even `%2E`, as dot segments that climb the path. Objects and arrays give nothing.
 * - `json`: each substitution is one JSON literal (`JSON.stringify`, strings quoted; missing gives `null`), so
 *   `{"order": {{order_number}}}` is valid JSON whatever the user typed.
 * - The fallback is used when the value renders as nothing (in `json`: when it is missing, `null` or `""`), and
 *   is encoded like a value.
 * - `maxLength` (default 4096) caps the output. The template's own text is kept whole and values share what is
 *   left, in order, each cut to fit (whole characters, before encoding, so never mid-escape; a JSON value other
 *   than a string cannot be cut and becomes `null`), so URLs keep their structure and JSON stays valid. Only a
 *   template whose own text is longer than `maxLength` (counting each `json` placeholder as `null`) is cut.
 */
export function renderTemplate(template: string, scope: Readonly<Record<string, unknown>>, options: { encoding?: Encoding; maxLength?: number } = {}): string {
  const encoding = options.encoding ?? 'text';
  // `|| 0` turns NaN into 0 rather than letting it disable every comparison below.
  const maxLength = Math.max(0, Math.floor(options.maxLength ?? DEFAULT_MAX_LENGTH)) || 0;
  const { parts } = tokenize(template);

  // Reserve room for the template's own text and, in json, a `null` for every placeholder, so that a long
  // early value can never push later structure (a closing brace, a `/details` path) out of the output.
  const reserved = encoding === 'json' ? 'null'.length : 0;
  let budget = maxLength;
  for (const part of parts) budget -= part.kind === 'text' ? part.text.length : reserved;

  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    budget += reserved; // this placeholder's reservation is now its own to spend
    const piece = substitute(valueAt(scope, part.path), part.fallback, encoding, Math.max(0, budget));
    budget -= piece.length;
    out += piece;
  }
  return cut(out, maxLength);
}

// ---------------------------------------------------------------------------------------------------------
// Scanning

function tokenize(t: string): { parts: Part[]; errors: TemplateError[] } {
  const parts: Part[] = [];
  const errors: TemplateError[] = [];
  let text = ''; // literal text since the last placeholder
  // Cached positions of the next `}}` and `{{` (-2: not searched yet, -1: none left). Positions only move
  // forward, so each cache is refreshed at most once per occurrence and the whole scan stays linear.
  let nextClose = -2;
  let nextOpen = -2;
  let i = 0;
  while (i < t.length) {
    if (t.startsWith('\\{{', i)) {
      text += '{{';
      i += 3;
      continue;
    }
    // In a run of braces the last two open the placeholder, so `{{{key}}: 1}` and `{{{v}}}` work as JSON
    // authors expect; likewise a placeholder ends at the first `}}`, leaving `{"a": {{v}}}` its closing `}`.
    if (t.startsWith('{{', i) && t[i + 2] !== '{') {
      if (nextClose !== -1 && nextClose < i + 2) nextClose = t.indexOf('}}', i + 2);
      if (nextOpen !== -1 && nextOpen < i + 2) nextOpen = t.indexOf('{{', i + 2);
      if (nextClose === -1 || (nextOpen !== -1 && nextOpen < nextClose)) {
        // Resume right after this `{{` so that later, well-formed placeholders still work.
        errors.push({ offset: i, message: 'unclosed "{{" (write \\{{ for a literal "{{")' });
        text += '{{';
        i += 2;
        continue;
      }
      const tag = parsePlaceholder(t, i, nextClose);
      if ('message' in tag) {
        errors.push(tag);
        text += t.slice(i, nextClose + 2);
      } else {
        if (text !== '') parts.push({ kind: 'text', text });
        text = '';
        parts.push(tag);
      }
      i = nextClose + 2;
      continue;
    }
    text += t.charAt(i);
    i += 1;
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { parts, errors };
}

/** Parses the placeholder whose `{{` is at `open` and whose `}}` is at `close`. */
function parsePlaceholder(t: string, open: number, close: number): Placeholder | TemplateError {
  let i = skipSpace(t, open + 2, close);
  if (i === close) return { offset: open, message: 'empty placeholder: expected a variable name' };

  const path: string[] = [];
  for (;;) {
    let end = i;
    while (end < close && isWordChar(t.charCodeAt(end))) end += 1;
    const segment = t.slice(i, end);
    if (segment === '') {
      return { offset: i, message: path.length === 0 ? 'expected a variable name' : 'expected a name or index after "."' };
    }
    if (isDigit(segment.charCodeAt(0)) && (path.length === 0 || !isAllDigits(segment))) {
      const what = path.length === 0 ? 'a variable name' : 'a name (or an all-digit index)';
      return { offset: i, message: `invalid ${JSON.stringify(segment)}: ${what} starts with a letter or "_"` };
    }
    path.push(segment);
    i = end;
    if (i >= close || t[i] !== '.') break;
    i += 1;
  }

  i = skipSpace(t, i, close);
  let fallback: string | undefined;
  if (i < close && t[i] === '|') {
    const bar = i;
    i = skipSpace(t, i + 1, close);
    if (i === close) return { offset: bar, message: 'expected a "double-quoted" fallback after "|"' };
    if (t[i] !== '"') return { offset: i, message: 'a fallback must be a "double-quoted" string' };
    const quote = i;
    i += 1;
    while (i < close && t[i] !== '"') i += t[i] === '\\' ? 2 : 1;
    if (i >= close) return { offset: quote, message: 'unterminated fallback string (a fallback cannot contain "}}")' };
    // A fallback is a JSON string literal; JSON.parse gives it exact, well-known escape rules without eval.
    try {
      fallback = JSON.parse(t.slice(quote, i + 1)) as string;
    } catch {
      return { offset: quote, message: 'invalid fallback string (escapes are JSON\'s: \\" \\\\ \\n \\u0041 ...)' };
    }
    i = skipSpace(t, i + 1, close);
  }
  if (i < close) return { offset: i, message: `unexpected ${JSON.stringify(t.charAt(i))} in placeholder` };
  return { kind: 'var', path, fallback };
}

function skipSpace(t: string, i: number, end: number): number {
  while (i < end && (t[i] === ' ' || t[i] === '\t' || t[i] === '\n' || t[i] === '\r')) i += 1;
  return i;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAllDigits(s: string): boolean {
  for (let i = 0; i < s.length; i += 1) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

function isWordChar(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

/**
 * The value at `path` (segments, e.g. `['order', 'items', '0']`), following own properties only: inherited
 * ones (`constructor`, `__proto__`, `toString`) are not data. Missing, or a throwing getter: undefined.
 */
export function valueAt(scope: unknown, path: readonly string[]): unknown {
  let value = scope;
  try {
    for (const key of path) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
  } catch {
    return undefined; // a throwing getter or proxy in the scope is a missing value, not a failed message
  }
  return value;
}

/** One substitution, encoded, at most `budget` characters long (except a json `null` when even that does not fit). */
function substitute(value: unknown, fallback: string | undefined, encoding: Encoding, budget: number): string {
  switch (encoding) {
    case 'json': {
      const blank = value === undefined || value === null || value === '';
      const chosen = blank && fallback !== undefined ? fallback : value;
      if (typeof chosen === 'string') return fit(chosen, (s) => JSON.stringify(s), budget);
      const literal = toJson(chosen);
      return literal.length <= budget ? literal : 'null';
    }
    case 'url': {
      let s = wellFormed(plain(value));
      if (s === '' && fallback !== undefined) s = wellFormed(fallback);
      return fit(s, encodeUrlComponent, budget);
    }
    default: {
      // 'text', also for an unknown encoding from an unchecked caller, so that rendering still never throws.
      let s = cut(sanitize(plain(value)), MAX_TEXT_VALUE);
      if (s === '' && fallback !== undefined) s = cut(sanitize(fallback), MAX_TEXT_VALUE);
      return fit(s, (x) => x, budget);
    }
  }
}

/** A value as text: objects and arrays have no sensible text form (`[object Object]`), so they give ''. */
function plain(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return '';
}

/** Any value as one JSON literal; what JSON cannot express (functions, cycles, throwing toJSON) is `null`. */
function toJson(value: unknown): string {
  if (typeof value === 'bigint') return String(value); // JSON.stringify throws on bigints; digits are a valid JSON number
  try {
    const json: string | undefined = JSON.stringify(value);
    return json ?? 'null';
  } catch {
    return 'null';
  }
}

function encodeUrlComponent(s: string): string {
  // encodeURIComponent leaves `.` alone, and URL parsers resolve `.`, `..` and their %2E spellings as dot segments.
  if (s === '.' || s === '..') return s.replaceAll('.', '%252E');
  return encodeURIComponent(s);
}

/** Encodes `s`, cut to its longest prefix whose encoding fits in `budget`. */
function fit(s: string, encode: (s: string) => string, budget: number): string {
  // Encoding never shortens a character, so characters past the budget could never be shown anyway.
  const short = cut(s, budget);
  const whole = encode(short);
  if (whole.length <= budget) return whole;
  // Cut whole characters (code points) before encoding, so never half an emoji or half a %XX or \uXXXX escape.
  // Encodings here are per character plus a fixed wrapper (JSON's quotes), so costs add up exactly, or
  // overestimate (a lone `.` in a URL), which only ever errs on the short side.
  const wrapper = encode('').length;
  let room = budget - wrapper;
  let end = 0;
  for (const ch of short) {
    room -= encode(ch).length - wrapper;
    if (room < 0) break;
    end += ch.length;
  }
  return encode(short.slice(0, end));
}

/** The first `n` UTF-16 units of `s`, without splitting a surrogate pair (half an emoji breaks encoders downstream). */
function cut(s: string, n: number): string {
  if (s.length <= n) return s;
  if (n <= 0) return '';
  const last = s.charCodeAt(n - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n);
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** Strips control characters (C0 but `\n` and `\t`, DEL, C1) that could garble or spoof a chat message. */
function sanitize(s: string): string {
  return wellFormed(s).replace(CONTROL, '');
}

/** Single code units, no backtracking: a lone surrogate half becomes U+FFFD (encodeURIComponent throws on one). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}
