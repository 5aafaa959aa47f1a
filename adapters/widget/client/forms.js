/**
 * A form shown whole (pre-chat, offline, or a flow's `form` node): labelled fields, an unticked
 * consent checkbox, and the same checks as the hub before sending (core/validate/contact-fields.ts; the hub checks again).
 */
import { isPhoneShaped, normaliseEmail } from '../../../core/validate/contact-fields.js';
import { h } from './dom.js';

let unique = 0;

/**
 * @param {import('./messages.js').FormSpec} spec
 * @param {{ texts: Record<string, string>, values?: Record<string, string>,
 *   onSubmit: (fields: Record<string, string>, consent?: { purpose: string, granted: boolean, text: string }) => void }} options
 */
export function renderForm(spec, options) {
  const { texts } = options;
  const n = unique++;
  /** @type {Array<{ name: string, type: string, required: boolean, input: HTMLInputElement | HTMLSelectElement, error: HTMLElement }>} */
  const controls = [];
  const form = h('form', { class: 'sb-form', novalidate: true, 'data-form': spec.id });
  if (spec.title) form.append(h('p', { class: 'sb-form-title', text: spec.title }));
  for (const field of spec.fields) {
    const id = `sb-f${n}-${field.name}`;
    const error = h('span', { class: 'sb-error', id: `${id}-error`, role: 'alert' });
    /** @type {HTMLInputElement | HTMLSelectElement} */
    let input;
    if (field.type === 'choice' && field.options) {
      input = h('select', { id, name: field.name }, [
        h('option', { value: '', text: '—' }),
        ...field.options.map((o) => h('option', { value: o.id, text: o.label })),
      ]);
    } else {
      const type = { email: 'email', phone: 'tel', number: 'number', date: 'date' }[field.type] ?? 'text';
      input = h('input', {
        id,
        name: field.name,
        type,
        autocomplete: { email: 'email', phone: 'tel', name: 'name' }[field.type === 'text' ? field.name : field.type] ?? 'off',
        maxlength: '2000',
      });
    }
    input.setAttribute('aria-describedby', error.id);
    if (field.required) input.setAttribute('aria-required', 'true');
    if (options.values?.[field.name]) input.value = options.values[field.name] ?? '';
    controls.push({ name: field.name, type: field.type, required: field.required, input, error });
    form.append(h('label', { class: 'sb-field', for: id }, [h('span', { text: field.required ? `${field.label} *` : field.label })]), input, error);
  }
  /** @type {HTMLInputElement | undefined} */
  let checkbox;
  if (spec.consent) {
    // Never pre-ticked: consent to marketing is something the visitor does, not undoes.
    checkbox = h('input', { type: 'checkbox', id: `sb-f${n}-consent`, name: 'consent' });
    form.append(h('label', { class: 'sb-consent', for: checkbox.id }, [checkbox, h('span', { text: spec.consent.text })]));
  }
  const submit = h('button', { type: 'submit', class: 'sb-submit', text: texts.submit });
  form.append(submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    /** @type {Record<string, string>} */
    const fields = {};
    /** @type {HTMLElement | undefined} */
    let firstBad;
    for (const c of controls) {
      const value = c.input.value.trim();
      const problem = !value
        ? c.required
          ? texts.required
          : ''
        : c.type === 'email' && normaliseEmail(value) === undefined
          ? texts.invalidEmail
          : c.type === 'phone' && !isPhoneShaped(value)
            ? texts.invalidPhone
            : '';
      c.error.textContent = problem ?? '';
      c.input.setAttribute('aria-invalid', problem ? 'true' : 'false');
      if (problem && !firstBad) firstBad = c.input;
      if (value) fields[c.name] = value;
    }
    if (firstBad) return firstBad.focus();
    submit.disabled = true;
    options.onSubmit(fields, spec.consent && checkbox ? { purpose: spec.consent.purpose, granted: checkbox.checked, text: spec.consent.text } : undefined);
  });
  return form;
}
