import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTemplate, renderTemplate, type Encoding } from '../../flows/template.js';

/** The offset of the `nth` (0-based) occurrence of `needle` in `haystack`, so the tests say what they point at. */
function at(haystack: string, needle: string, nth = 0): number {
  let offset = -1;
  for (let i = 0; i <= nth; i += 1) offset = haystack.indexOf(needle, offset + 1);
  if (offset === -1) throw new Error(`${needle} not in ${haystack}`);
  return offset;
}

describe('parseTemplate', () => {
  it('finds every path once, in order of first use', () => {
    const t = 'Hi {{name}}, {{ contact.name }} / {{order.items.0.title}} {{name}} {{ a_1 | "x" }}';
    expect(parseTemplate(t)).toEqual({ paths: ['name', 'contact.name', 'order.items.0.title', 'a_1'], errors: [] });
  });

  it('allows whitespace, including newlines, around the path and the fallback', () => {
    expect(parseTemplate('{{\n\tcontact.name\n|\n"there"\n}}')).toEqual({ paths: ['contact.name'], errors: [] });
  });

  it('does not count escaped braces as placeholders', () => {
    expect(parseTemplate('\\{{name}} and {{other}}')).toEqual({ paths: ['other'], errors: [] });
  });

  it('reports an unclosed {{ at its offset and still finds later placeholders', () => {
    const t = 'Hello {{ name, and {{other}}';
    const { paths, errors } = parseTemplate(t);
    expect(paths).toEqual(['other']);
    expect(errors).toEqual([{ offset: at(t, '{{'), message: expect.stringContaining('unclosed') }]);
  });

  it('reports an unclosed {{ at the end of the template', () => {
    expect(parseTemplate('abc {{ x').errors).toEqual([{ offset: 4, message: expect.stringContaining('unclosed') }]);
    expect(parseTemplate('{{').errors).toEqual([{ offset: 0, message: expect.stringContaining('unclosed') }]);
  });

  it('reports an empty placeholder at its {{', () => {
    const t = 'x {{ }} {{}}';
    expect(parseTemplate(t).errors.map((e) => e.offset)).toEqual([at(t, '{{'), at(t, '{{', 1)]);
    expect(parseTemplate(t).errors[0]?.message).toMatch(/empty/);
    expect(parseTemplate(t).paths).toEqual([]);
  });

  it.each([
    ['{{ a-b }}', '-', /unexpected "-"/],
    ['{{ a b }}', 'b', /unexpected "b"/],
    ['{{ .a }}', '.', /expected a variable name/],
    ['{{ a. }}', ' }}', /after "\."/],
    ['{{ a..b }}', '.b', /after "\."/],
    ['{{ 0 }}', '0', /starts with a letter/],
    ['{{ a.1b }}', '1b', /starts with a letter/],
    ['{{ prénom }}', 'é', /unexpected "é"/],
    ['{{ a[0] }}', '[', /unexpected "\["/],
  ])('reports the malformed path %s at the offending character', (t, culprit, message) => {
    const { paths, errors } = parseTemplate(t);
    expect(paths).toEqual([]);
    expect(errors).toEqual([{ offset: at(t, culprit), message: expect.stringMatching(message) }]);
  });

  it.each([
    ['{{ a | there }}', 'there', /double-quoted/],
    ["{{ a | 'there' }}", "'", /double-quoted/],
    ['{{ a | }}', '|', /after "\|"/],
    ['{{ a | "there }}', '"', /unterminated/],
    ['{{ a | "th}}ere" }}', '"', /unterminated/],
    ['{{ a | "\\q" }}', '"', /invalid fallback/],
    ['{{ a | "x" "y" }}', '"y"', /unexpected/],
    ['{{ a | "x" | "y" }}', '| "y"', /unexpected "\|"/],
  ])('reports the bad fallback %s', (t, culprit, message) => {
    const { paths, errors } = parseTemplate(t);
    expect(paths).toEqual([]);
    expect(errors).toEqual([{ offset: at(t, culprit), message: expect.stringMatching(message) }]);
  });

  it('accepts JSON escapes in fallbacks', () => {
    expect(parseTemplate('{{ a | "say \\"hi\\"\\n\\u00e9" }}')).toEqual({ paths: ['a'], errors: [] });
  });

  it('reports every error with offsets into the whole template', () => {
    const t = 'line one\n{{ ok }} {{ bad! }}\n{{ x | y }} {{ unclosed';
    expect(parseTemplate(t)).toEqual({
      paths: ['ok'],
      errors: [
        { offset: at(t, '!'), message: expect.any(String) },
        { offset: at(t, 'y }}'), message: expect.any(String) },
        { offset: at(t, '{{ unclosed'), message: expect.any(String) },
      ],
    });
  });
});

describe('renderTemplate: text', () => {
  const scope = {
    name: 'Ada',
    contact: { name: 'Ada Lovelace', tags: ['vip'] },
    order: { number: 42, paid: true, items: [{ title: 'Tea' }, { title: 'Cake' }] },
    nothing: null,
    empty: '',
  };

  it('substitutes strings, numbers, booleans and nested paths', () => {
    expect(renderTemplate('Hi {{ name }} ({{contact.name}}): order {{order.number}} paid={{order.paid}}, {{order.items.1.title}}', scope)).toBe(
      'Hi Ada (Ada Lovelace): order 42 paid=true, Cake',
    );
  });

  it('renders missing, null, undefined, objects and arrays as nothing', () => {
    expect(renderTemplate('[{{missing}}|{{nothing}}|{{contact}}|{{contact.tags}}|{{order.items.7.title}}|{{name.x}}]', scope)).toBe('[|||||]');
    expect(renderTemplate('[{{u}}]', { u: undefined })).toBe('[]');
  });

  it('only follows own properties', () => {
    expect(renderTemplate('[{{constructor}}|{{toString}}|{{__proto__}}|{{name.length}}|{{order.constructor}}]', scope)).toBe('[||||]');
    expect(renderTemplate('{{secret}}', Object.create({ secret: 'inherited' }) as Record<string, unknown>)).toBe('');
    expect(renderTemplate('[{{__proto__}}, {{constructor}}, {{name.constructor}}]', scope, { encoding: 'json' })).toBe('[null, null, null]');
    // An array's own `length` is data, and handy.
    expect(renderTemplate('{{contact.tags.length}} tag', scope)).toBe('1 tag');
  });

  it('uses the fallback for missing, null, empty and unprintable values', () => {
    const t = '{{ missing | "there" }} {{nothing|"n"}} {{empty | "e"}} {{contact | "obj"}} {{name | "unused"}}';
    expect(renderTemplate(t, scope)).toBe('there n e obj Ada');
    expect(renderTemplate('Hi {{ x | "" }}!', {})).toBe('Hi !');
    expect(renderTemplate('{{ x | "a \\"b\\"" }}', {})).toBe('a "b"');
    expect(renderTemplate('{{ n | "fallback" }}', { n: 0 })).toBe('0');
    expect(renderTemplate('{{ b | "fallback" }}', { b: false })).toBe('false');
  });

  it('never interprets substituted values (single pass)', () => {
    const s = { answer: '{{secret}}', secret: 'hunter2', fb: 'x' };
    expect(renderTemplate('You said {{answer}}', s)).toBe('You said {{secret}}');
    expect(renderTemplate('{{ missing | "{{secret" }}', s)).not.toContain('hunter2');
    expect(renderTemplate('{{answer}}', s, { encoding: 'json' })).toBe('"{{secret}}"');
    expect(renderTemplate('/{{answer}}', s, { encoding: 'url' })).toBe('/%7B%7Bsecret%7D%7D');
  });

  it('strips control characters from values, but not from the template', () => {
    const value = 'a\u0000b\u0007c\r\nd\te\u001bf\u007fg\u0085h\u009fi\u00a0j';
    expect(renderTemplate('\u0007[{{v}}]\r', { v: value })).toBe('\u0007[abc\nd\tefghi\u00a0j]\r');
    expect(renderTemplate('{{ v | "fb" }}', { v: '\u0000\u0001' })).toBe('fb');
  });

  it('replaces lone surrogate halves rather than passing them on', () => {
    expect(renderTemplate('{{v}}', { v: 'a\uD800b\uDC00' })).toBe('a\uFFFDb\uFFFD');
    expect(renderTemplate('{{v}}', { v: '😀' })).toBe('😀');
  });

  it('caps each value at 1000 characters', () => {
    const out = renderTemplate('<{{v}}><{{w}}>', { v: 'x'.repeat(5000), w: 'y'.repeat(10) });
    expect(out).toBe(`<${'x'.repeat(1000)}><${'y'.repeat(10)}>`);
    // ...without splitting an emoji in two.
    expect(renderTemplate('{{v}}', { v: `${'x'.repeat(999)}😀` })).toBe('x'.repeat(999));
  });

  it('writes \\{{ as a literal {{', () => {
    expect(renderTemplate('\\{{name}} is {{name}}', scope)).toBe('{{name}} is Ada');
    expect(renderTemplate('a \\ b \\} {{name}}\\', scope)).toBe('a \\ b \\} Ada\\');
  });

  it('treats a run of braces as text followed by a placeholder', () => {
    expect(renderTemplate('{{{name}}}', scope)).toBe('{Ada}');
    expect(renderTemplate('{{name}}}}', scope)).toBe('Ada}}');
  });

  it('renders broken placeholders literally rather than throwing', () => {
    expect(renderTemplate('Hi {{ bad-name }} and {{ name }}', scope)).toBe('Hi {{ bad-name }} and Ada');
    expect(renderTemplate('Hi {{ name and {{name}}', scope)).toBe('Hi {{ name and Ada');
    expect(renderTemplate('{{ name | oops }} {{ }} {{', scope)).toBe('{{ name | oops }} {{ }} {{');
  });

  it('caps the output at maxLength (default 4096), keeping the template text', () => {
    const many = { v: 'v'.repeat(1000) };
    expect(renderTemplate('{{v}}'.repeat(10), many)).toHaveLength(4096);
    expect(renderTemplate('Hello {{v}}!', many, { maxLength: 10 })).toBe('Hello vvv!');
    expect(renderTemplate('Hello {{v}}! {{v}}', many, { maxLength: 12 })).toBe('Hello vvvv! ');
    expect(renderTemplate('Hello world', {}, { maxLength: 5 })).toBe('Hello');
    expect(renderTemplate('{{v}}', many, { maxLength: 0 })).toBe('');
    expect(renderTemplate('{{v}}', many, { maxLength: -3 })).toBe('');
  });
});

describe('renderTemplate: url', () => {
  const url = (t: string, scope: Record<string, unknown>): string => renderTemplate(t, scope, { encoding: 'url' });

  it('encodes each value as one URI component', () => {
    expect(url('https://api.example.com/orders/{{id}}?q={{q}}', { id: 42, q: 'a b&c=d' })).toBe('https://api.example.com/orders/42?q=a%20b%26c%3Dd');
  });

  it('keeps path traversal, query and fragment injection inside the value', () => {
    const out = url('https://api.example.com/orders/{{id}}/status', { id: '../admin?x=1#' });
    expect(out).toBe('https://api.example.com/orders/..%2Fadmin%3Fx%3D1%23/status');
    const parsed = new URL(out);
    expect(parsed.host).toBe('api.example.com');
    expect(parsed.pathname).toBe('/orders/..%2Fadmin%3Fx%3D1%23/status');
    expect(parsed.search).toBe('');
    expect(parsed.hash).toBe('');
  });

  it('cannot change the host', () => {
    for (const h of ['@evil.example', '//evil.example', '/\\evil.example', 'https://evil.example/', ':81']) {
      expect(new URL(url('https://api.example.com/{{h}}', { h })).host).toBe('api.example.com');
      expect(new URL(url('https://api.example.com/x?next={{h}}', { h })).host).toBe('api.example.com');
    }
  });

  it('does not let . or .. climb the path', () => {
    expect(url('/users/{{id}}/delete', { id: '..' })).toBe('/users/%252E%252E/delete');
    expect(new URL(url('https://h.example/users/{{id}}/delete', { id: '..' })).pathname).toBe('/users/%252E%252E/delete');
    expect(new URL(url('https://h.example/users/{{id}}', { id: '.' })).pathname).toBe('/users/%252E');
    expect(url('/{{id}}', { id: '...' })).toBe('/...');
  });

  it('uses fallbacks (encoded too) and renders objects as nothing', () => {
    expect(url('/s?q={{q | "a b"}}&o={{o}}', { o: { x: 1 } })).toBe('/s?q=a%20b&o=');
  });

  it('does not throw on lone surrogates', () => {
    expect(url('/{{v}}', { v: 'a\uD800' })).toBe('/a%EF%BF%BD');
  });

  it('cuts values, never the URL structure or an escape, to fit maxLength', () => {
    const out = renderTemplate('/orders/{{id}}/details', { id: 'é'.repeat(100) }, { encoding: 'url', maxLength: 40 });
    expect(out).toBe(`/orders/${'%C3%A9'.repeat(4)}/details`);
  });
});

describe('renderTemplate: json', () => {
  const json = (t: string, scope: Record<string, unknown>, maxLength?: number): string => renderTemplate(t, scope, { encoding: 'json', maxLength });

  it('inserts each value as a JSON literal', () => {
    const scope = { s: 'Ada', n: 42, b: true, z: null, o: { a: [1, 'x'] }, arr: [1, 2] };
    const out = json('{"s": {{s}}, "n": {{n}}, "b": {{b}}, "z": {{z}}, "m": {{missing}}, "o": {{o}}, "arr": {{arr}}}', scope);
    expect(JSON.parse(out)).toEqual({ s: 'Ada', n: 42, b: true, z: null, m: null, o: { a: [1, 'x'] }, arr: [1, 2] });
  });

  it('keeps structure injection inside a string', () => {
    const evil = '"}, "admin": true, "x": "';
    const out = json('{"order": {{v}}}', { v: evil });
    expect(JSON.parse(out)).toEqual({ order: evil });
  });

  it('escapes control characters and lone surrogates instead of stripping them', () => {
    const v = 'a\u0000\n\u2028\uD800';
    expect(JSON.parse(json('{{v}}', { v }))).toBe(v);
  });

  it('uses fallbacks for missing, null and empty values only', () => {
    const out = json('[{{a | "x"}}, {{b | "y"}}, {{c | "z"}}, {{d | "w"}}, {{e | "v"}}]', { b: null, c: '', d: 0, e: false });
    expect(JSON.parse(out)).toEqual(['x', 'y', 'z', 0, false]);
  });

  it('turns what JSON cannot express into null, and bigints into numbers', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const scope = {
      f: () => 1,
      nan: Number.NaN,
      big: 12345678901234567890n,
      cyclic,
      throws: {
        toJSON() {
          throw new Error('no');
        },
      },
    };
    expect(json('[{{f}}, {{nan}}, {{big}}, {{cyclic}}, {{throws}}]', scope)).toBe('[null, null, 12345678901234567890, null, null]');
  });

  it('stays valid JSON when values are cut to fit maxLength', () => {
    const scope = { a: 'a\n'.repeat(100), b: 'b'.repeat(100), o: { list: [1, 2, 3] } };
    const out = json('{"a": {{a}}, "b": {{b}}, "o": {{o}}}', scope, 60);
    expect(out.length).toBeLessThanOrEqual(60);
    const parsed = JSON.parse(out) as { a: string; b: string; o: unknown };
    expect(scope.a.startsWith(parsed.a)).toBe(true);
    expect(parsed.a.length).toBeGreaterThan(0);
    expect(parsed.o).toBeNull(); // an object cannot be cut, so it becomes null when it does not fit
  });

  it('renders broken placeholders literally', () => {
    expect(json('{"a": {{ a | x }}}', { a: 1 })).toBe('{"a": {{ a | x }}}');
  });
});

describe('renderTemplate: properties', () => {
  // Template pieces that exercise the syntax far more often than uniformly random strings would.
  const piece = fc.oneof(
    fc.constantFrom('{{', '}}', '\\{{', '{', '}', '|', '"', '\\', '.', ' ', '\n', 'a', 'b', '0', '{{a}}', '{{ b.c | "x" }}', '{{a.0}}'),
    fc.constantFrom('\uD800', '\uDC00', '\u0000', '\u009b', '😀'),
    fc.string({ unit: 'binary', maxLength: 3 }),
  );
  const template = fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join(''));
  const anything = fc.anything({
    key: fc.constantFrom('a', 'b', 'c', '0', '__proto__', 'constructor'),
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    stringUnit: 'binary',
  });
  const scope = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'v', '__proto__', 'constructor'), anything);
  const encoding = fc.constantFrom<Encoding | undefined>('text', 'url', 'json', undefined);
  const maxLength = fc.option(fc.integer({ min: -5, max: 300 }), { nil: undefined });

  it('never throws, and never exceeds maxLength', () => {
    fc.assert(
      fc.property(template, scope, encoding, maxLength, (t, s, enc, max) => {
        const out = renderTemplate(t, s, { encoding: enc, maxLength: max });
        expect(out.length).toBeLessThanOrEqual(Math.max(0, max ?? 4096));
        parseTemplate(t); // and parsing never throws either
      }),
      { numRuns: 2000 },
    );
  });

  const jsonValue = fc.oneof(
    fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom('"', '\\', '}', '\uD800', '\u2028')) }),
    fc.string({ minLength: 100, maxLength: 400 }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );

  it('json output of {"a": {{v}}} always parses: v whole when it fits, else cut or null', () => {
    fc.assert(
      fc.property(jsonValue, fc.option(fc.integer({ min: 12, max: 300 }), { nil: undefined }), (v, max) => {
        const out = renderTemplate('{"a": {{v}}}', { v }, { encoding: 'json', maxLength: max });
        const parsed = JSON.parse(out) as { a: unknown };
        const full = JSON.stringify(v);
        if ('{"a": }'.length + full.length <= (max ?? 4096)) expect(out).toBe(`{"a": ${full}}`);
        else if (typeof v === 'string') expect(v.startsWith(parsed.a as string)).toBe(true);
        else expect(parsed.a).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });

  it('json output with several values always parses when the template fits', () => {
    fc.assert(
      fc.property(jsonValue, jsonValue, fc.integer({ min: 24, max: 200 }), (v, w, max) => {
        JSON.parse(renderTemplate('[{{v}}, {{w}}, {{v}}]', { v, w }, { encoding: 'json', maxLength: max }));
      }),
    );
  });

  it('url output of /orders/{{v}} never leaves the /orders/ segment', () => {
    const value = fc.oneof(
      fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom('/', '?', '#', '.', '\\', '%', '\uD800')) }),
      fc.constantFrom('.', '..', '%2e%2e', '../admin?x=1#'),
      fc.integer(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(value, (v) => {
        const out = renderTemplate('/orders/{{v}}', { v }, { encoding: 'url' });
        expect(out.startsWith('/orders/')).toBe(true);
        expect(out.slice('/orders/'.length)).not.toMatch(/[/?#]/);
        const parsed = new URL(`https://api.example.com${out}`);
        expect(parsed.host).toBe('api.example.com');
        expect(parsed.pathname.startsWith('/orders/')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
