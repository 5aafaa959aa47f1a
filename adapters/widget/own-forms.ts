/**
 * The widget's own forms (pre-chat, offline) checked again on the hub: the browser checks them,
 * but a crafted frame must not put unchecked values on the contact or into a lead. The rules are
 * the browser's own (client/forms.js), so a visitor the widget let through is never refused here.
 */
import type { WidgetAccountConfig } from './config.js';

type Field = WidgetAccountConfig['offline']['fields'][number];

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
const phonePattern = /^\+?[0-9][0-9 ()./-]{5,20}$/;

/** Only the account's fields, trimmed and non-empty; or why the submission is refused. */
export function checkOwnForm(fields: readonly Field[], submitted: Record<string, string>): { ok: true; fields: Record<string, string> } | { ok: false; reason: string } {
  const checked: Record<string, string> = {};
  for (const field of fields) {
    const value = Object.hasOwn(submitted, field.name) ? (submitted[field.name] ?? '').trim() : '';
    if (!value) {
      if (field.required) return { ok: false, reason: `"${field.name}" is required` };
      continue;
    }
    if (field.type === 'email' && !emailPattern.test(value)) return { ok: false, reason: `"${field.name}" is not an e-mail address` };
    if (field.type === 'phone' && !phonePattern.test(value)) return { ok: false, reason: `"${field.name}" is not a phone number` };
    checked[field.name] = value;
  }
  return { ok: true, fields: checked };
}
