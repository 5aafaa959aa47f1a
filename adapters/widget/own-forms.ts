/**
 * The widget's own forms (pre-chat, offline) checked again on the hub: the browser checks them,
 * but a crafted frame must not put unchecked values on the contact or into a lead. The rules are
 * the browser's own (core/validate/contact-fields.ts, bundled into client/forms.js), so a visitor
 * the widget let through is never refused here.
 */
import { isPhoneShaped, normaliseEmail } from '../../core/validate/contact-fields.js';
import { toE164 } from '../../core/validate/phone.js';
import type { WidgetAccountConfig } from './config.js';

type Field = WidgetAccountConfig['offline']['fields'][number];

/**
 * Only the account's fields, trimmed and non-empty; or why the submission is refused.
 * E-mail addresses are stored with the domain lower-cased; phone numbers in E.164 when they
 * can be read as one (with a `+`, or a national number and the field's `defaultCountry`), else
 * as typed: the browser let it through, and refusing it here would lose the form.
 */
export function checkOwnForm(
  fields: readonly Field[],
  submitted: Record<string, string>,
): { ok: true; fields: Record<string, string> } | { ok: false; reason: string } {
  const checked: Record<string, string> = {};
  for (const field of fields) {
    let value = Object.hasOwn(submitted, field.name) ? (submitted[field.name] ?? '').trim() : '';
    if (!value) {
      if (field.required) return { ok: false, reason: `"${field.name}" is required` };
      continue;
    }
    if (field.type === 'email') {
      const email = normaliseEmail(value);
      if (email === undefined) return { ok: false, reason: `"${field.name}" is not an e-mail address` };
      value = email;
    }
    if (field.type === 'phone') {
      if (!isPhoneShaped(value)) return { ok: false, reason: `"${field.name}" is not a phone number` };
      value = toE164(value, field.defaultCountry) ?? value;
    }
    checked[field.name] = value;
  }
  return { ok: true, fields: checked };
}
