import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitText } from '../../../adapters/telegram/split.js';

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('splitting a reply into Telegram messages', () => {
  it('leaves a text that fits alone', () => {
    expect(splitText('Hello')).toEqual(['Hello']);
    expect(splitText('x'.repeat(4096))).toEqual(['x'.repeat(4096)]);
  });

  it('splits at the last paragraph, else line, else space, dropping only that break', () => {
    const para = 'a'.repeat(3000);
    expect(splitText(`${para}\n\n${'b'.repeat(2000)}`)).toEqual([para, 'b'.repeat(2000)]);
    expect(splitText(`${para}\n${'b'.repeat(2000)}`)).toEqual([para, 'b'.repeat(2000)]);
    const words = Array.from({ length: 1000 }, (_, i) => `word${i}`).join(' ');
    const parts = splitText(words);
    expect(parts.length).toBe(2);
    expect(parts.every((p) => !p.startsWith(' ') && !p.endsWith(' '))).toBe(true);
    expect(parts.join(' ')).toBe(words);
  });

  it('cuts a word longer than a message, never inside an emoji', () => {
    const text = `${'x'.repeat(4095)}😀${'y'.repeat(10)}`;
    const parts = splitText(text);
    expect(parts).toEqual(['x'.repeat(4095), `😀${'y'.repeat(10)}`]);
  });

  it('every part fits, none is empty, and nothing but break characters is lost (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.constantFrom(' ', '\n', '\n\n')), { maxLength: 80 }),
        fc.integer({ min: 8, max: 200 }),
        (chunks, max) => {
          const text = chunks.join('');
          const parts = splitText(text, max);
          for (const p of parts) expect(p.length).toBeLessThanOrEqual(max);
          if (text.length) for (const p of parts) expect(p.length).toBeGreaterThan(0);
          const squash = (s: string) => s.replace(/\s+/g, '');
          expect(squash(parts.join(''))).toBe(squash(text));
          // No lone surrogate was created at a cut (the generated text has none).
          for (const p of parts) expect(p).not.toMatch(loneSurrogate);
        },
      ),
      { numRuns: 300 },
    );
  });
});
