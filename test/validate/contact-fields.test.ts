import fc from 'fast-check';
import { getCountries, getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { widgetBundle } from '../../adapters/widget/bundle.js';
import { isPhoneShaped, normaliseEmail } from '../../core/validate/contact-fields.js';
import { toE164 } from '../../core/validate/phone.js';

describe('normaliseEmail', () => {
  it.each([
    ['ada@example.com', 'ada@example.com'],
    ['  Ada.Lovelace+news@Example.CO.UK ', 'Ada.Lovelace+news@example.co.uk'],
    ['jan@příklad.cz', 'jan@příklad.cz'],
  ])('accepts %j as %j', (typed, stored) => {
    expect(normaliseEmail(typed)).toBe(stored);
  });

  it.each([
    'ada',
    'ada@',
    '@example.com',
    'ada@example',
    'ada@@example.com',
    'a b@example.com',
    'ada@exa mple.com',
    '.ada@example.com',
    'ada..l@example.com',
    'ada@-example.com',
    'ada@example..com',
    'ada@10.0.0.1',
    '"ada"@example.com',
    `${'a'.repeat(65)}@example.com`,
  ])('refuses %j', (typed) => {
    expect(normaliseEmail(typed)).toBeUndefined();
  });
});

describe('isPhoneShaped', () => {
  it.each(['+420 601 123 456', '601123456', '(020) 7946 0958', '+44 (0)20 7946-0958', '0049/30/123456', '601.123.456', '4002'])('lets %j through', (typed) => {
    expect(isPhoneShaped(typed)).toBe(true);
  });

  it.each(['call me at 601 123 456', '+420 601 123 456 ext. 5', '601123456abc', '420+601123456', '123', '1'.repeat(25), '', '   ', '+'])(
    'stops %j',
    (typed) => {
      expect(isPhoneShaped(typed)).toBe(false);
    },
  );
});

describe('toE164', () => {
  it('reads an international number, or a national one with a default country', () => {
    expect(toE164(' +420 601 123 456 ')).toBe('+420601123456');
    expect(toE164('601 123 456', 'CZ')).toBe('+420601123456');
    expect(toE164('601 123 456', 'cz')).toBe('+420601123456');
    expect(toE164('00420 601 123 456', 'CZ')).toBe('+420601123456');
    expect(toE164('+44 (0)20 7946 0958', 'CZ')).toBe('+442079460958');
  });

  it('gives nothing for a number it cannot read as a valid one', () => {
    expect(toE164('601 123 456')).toBeUndefined(); // no country to assume
    expect(toE164('601 123 456', 'XX')).toBeUndefined();
    expect(toE164('+420 999 123 456')).toBeUndefined(); // right length, unassigned range
    expect(toE164('call me at +420 601 123 456')).toBeUndefined();
  });

  it("lets every country's example number through the browser's check, however it is written, and reads it back", () => {
    let checked = 0;
    for (const country of getCountries()) {
      const example = getExampleNumber(country, examples);
      if (!example) continue;
      const written = [
        example.number,
        example.formatInternational(),
        example.formatNational(),
        example.format('IDD', { fromCountry: country === 'US' ? 'GB' : 'US' }),
      ];
      for (const typed of written) {
        if (!typed) continue;
        expect(isPhoneShaped(typed), `${country}: ${typed}`).toBe(true);
        checked++;
      }
      expect(toE164(example.formatNational(), country), country).toBe(example.number);
      expect(toE164(example.formatInternational()), country).toBe(example.number);
    }
    expect(checked).toBeGreaterThan(600);
  });

  it("never throws, and whatever it reads passed the browser's check", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('+', '0', '1', '4', '6', '9', ' ', '(', ')', '-', 'x', '.') }),
        fc.constantFrom(undefined, 'CZ', 'GB', 'US', 'xx'),
        (typed, country) => {
          const phone = toE164(typed, country);
          if (phone !== undefined) {
            expect(isPhoneShaped(typed)).toBe(true);
            expect(phone).toMatch(/^\+[1-9]\d{3,14}$/);
          }
        },
      ),
    );
  });
});

describe('the browser script', () => {
  it('carries the shared checks but none of the numbering plans', async () => {
    const { js, gzip } = await widgetBundle();
    // libphonenumber's 'max' metadata alone is over 100 KB gzipped.
    expect(gzip.length).toBeLessThan(12 * 1024);
    expect(js.toString()).not.toMatch(/libphonenumber|countryCallingCodes/);
  });
});
