/**
 * Phone numbers in E.164, on the hub only: the numbering plans ('max' metadata) are far too big
 * for the browser, which checks {@link isPhoneShaped} alone.
 */
import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { isPhoneShaped } from './contact-fields.js';

/**
 * A valid phone number in E.164 (`+420601123456`), or undefined. A number without `+` (or an
 * international prefix) needs `defaultCountry` (ISO 3166-1 alpha-2, any case; an unknown one is
 * ignored). Never throws.
 */
export function toE164(input: string, defaultCountry?: string): string | undefined {
  const value = input.trim();
  if (!isPhoneShaped(value)) return undefined;
  const country = defaultCountry?.toUpperCase();
  try {
    // The 'max' metadata is needed: with the default 'min' metadata isValid()
    // only checks the length, so e.g. +420 999 123 456 would pass.
    const phone = parsePhoneNumberFromString(value, country !== undefined && isSupportedCountry(country) ? (country as CountryCode) : undefined);
    return phone?.isValid() ? phone.number : undefined;
  } catch {
    // The FromString variant should not throw; this is belt and braces for "never throws".
    return undefined;
  }
}
