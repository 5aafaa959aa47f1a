import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOwnForm } from '../../adapters/widget/own-forms.js';
import { isPhoneShaped } from '../../core/validate/contact-fields.js';

const fields = [
  { name: 'name', label: 'Name', type: 'text' as const, required: false },
  { name: 'email', label: 'E-mail', type: 'email' as const, required: false },
  { name: 'phone', label: 'Phone', type: 'phone' as const, required: false },
];

describe("the widget's own forms on the hub", () => {
  it('stores a phone number typed with + in E.164, and a national one as typed when no country is known', () => {
    expect(checkOwnForm(fields, { name: ' Ada ', phone: '+420 601 123 456' })).toEqual({ ok: true, fields: { name: 'Ada', phone: '+420601123456' } });
    expect(checkOwnForm(fields, { phone: ' 601 123 456 ' })).toEqual({ ok: true, fields: { phone: '601 123 456' } });
    const czech = [{ name: 'phone', label: 'Phone', type: 'phone' as const, required: false, defaultCountry: 'CZ' }];
    expect(checkOwnForm(czech, { phone: '601 123 456' })).toEqual({ ok: true, fields: { phone: '+420601123456' } });
    // Not a number in use, but the browser let it through: kept as typed rather than refused.
    expect(checkOwnForm(fields, { phone: '+420 999 123 456' })).toEqual({ ok: true, fields: { phone: '+420 999 123 456' } });
  });

  it('stores an e-mail address with its domain in lower case, and refuses what is not one', () => {
    expect(checkOwnForm(fields, { email: ' Ada@Example.COM ' })).toEqual({ ok: true, fields: { email: 'Ada@example.com' } });
    expect(checkOwnForm(fields, { email: 'ada@example' })).toEqual({ ok: false, reason: '"email" is not an e-mail address' });
  });

  it('refuses a crafted phone the browser would not have sent', () => {
    expect(checkOwnForm(fields, { phone: 'call me at 601 123 456' })).toEqual({ ok: false, reason: '"phone" is not a phone number' });
  });

  it('never refuses a phone number the browser let through', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('+', '0', '2', '4', '6', ' ', '(', ')', '-', '/', '.') }), (typed) => {
        fc.pre(isPhoneShaped(typed));
        expect(checkOwnForm(fields, { phone: typed }).ok).toBe(true);
      }),
    );
  });
});
