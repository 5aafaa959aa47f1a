/**
 * A `form` node on a messaging channel: one question per field, then the
 * optional consent question, then a `lead` action. Pure, like the engine.
 */
import type { Choice } from '../core/message.js';
import type { FlowAction, FlowInput, StepContext } from './engine.js';
import { defaultChoiceRetry, defaultRetry, localChoices, renderText, reply, type ReplyAction } from './render.js';
import type { Flow, FormField, FormNode, Text } from './schema.js';
import { validateAnswer } from './validators.js';

/** Where a form is: the question being asked (`fields.length` is the consent question) and the answers so far. */
export interface FormProgress {
  field: number;
  values: Record<string, string | number>;
}

/** After an answer: still asking (same question on a bad answer), or done with the lead and the `submitted` reply. */
export type FormStep =
  | { done: false; actions: FlowAction[]; vars: Record<string, unknown>; progress: FormProgress; retried: boolean }
  | { done: true; actions: FlowAction[]; vars: Record<string, unknown> };

type Input = Exclude<FlowInput, { type: 'http-result' } | { type: 'idle' }>;

const consentOptions = [
  { id: 'yes', label: { en: 'Yes', cs: 'Ano', sk: 'Áno', de: 'Ja', pl: 'Tak', fr: 'Oui', es: 'Sí' } },
  { id: 'no', label: { en: 'No', cs: 'Ne', sk: 'Nie', de: 'Nein', pl: 'Nie', fr: 'Non', es: 'No' } },
];

/** The message asking question `at`: a field's label (with its options), or the consent question. */
export function askForm(node: FormNode, at: number, flow: Flow, vars: Record<string, unknown>, ctx: StepContext): ReplyAction {
  const field = node.form.fields[at];
  if (field) return reply(field.label, flow, vars, ctx, field.options ? localChoices(field.options, flow, ctx) : undefined);
  return reply(node.form.consent?.label ?? '?', flow, vars, ctx, localChoices(consentOptions, flow, ctx));
}

/** Applies the contact's answer to the question the form is on. */
export function answerForm(node: FormNode, progress: FormProgress, input: Input, flow: Flow, vars: Record<string, unknown>, ctx: StepContext): FormStep {
  const { fields, consent } = node.form;
  const at = progress.field;
  const field = fields[at];
  const retry = (text: Text): FormStep => ({ done: false, actions: [reply(text, flow, vars, ctx), askForm(node, at, flow, vars, ctx)], vars, progress, retried: true });

  if (field) {
    const answer = answerField(field, node.form.skip, input, flow, ctx);
    if (answer === undefined) return retry(field.retry ?? defaultRetry);
    const values = { ...progress.values };
    const next = { ...vars };
    // A skipped field leaves its variable unset, so no earlier answer passes for this one.
    if (answer === null) {
      delete values[field.name];
      delete next[field.name];
    } else {
      values[field.name] = answer;
      next[field.name] = answer;
    }
    const ahead = at + 1;
    if (ahead < fields.length || (consent && ahead === fields.length)) {
      return { done: false, actions: [askForm(node, ahead, flow, next, ctx)], vars: next, progress: { field: ahead, values }, retried: false };
    }
    return finish(node, values, next, flow, ctx);
  }
  if (consent && at === fields.length) {
    const choices = localChoices(consentOptions, flow, ctx);
    const picked = pickChoice(choices, input);
    if (picked === undefined) return retry(defaultChoiceRetry);
    const text = renderText(consent.label, flow, vars, ctx);
    return finish(node, progress.values, vars, flow, ctx, { purpose: consent.purpose, granted: picked === 'yes', text });
  }
  return finish(node, progress.values, vars, flow, ctx); // past the last question: only a stale state gets here
}

/** The lead, then the `submitted` reply, rendered with the answers in scope. */
function finish(node: FormNode, fields: Record<string, string | number>, vars: Record<string, unknown>, flow: Flow, ctx: StepContext, consent?: { purpose: string; granted: boolean; text: string }): FormStep {
  const actions: FlowAction[] = [{ type: 'lead', form: node.form.id, fields, ...(consent ? { consent } : {}) }];
  if (node.form.submitted) actions.push(reply(node.form.submitted, flow, vars, ctx));
  return { done: true, actions, vars };
}

/** The normalised answer, `null` for a skipped optional field, undefined for an answer that does not do. */
function answerField(field: FormField, skip: readonly string[], input: Input, flow: Flow, ctx: StepContext): string | number | null | undefined {
  const text = input.type === 'text' ? input.text : (input.text ?? input.choiceId);
  const wanted = text.trim().toLowerCase();
  // A skip word is never an answer, so a required field asks again rather than store "skip".
  if (skip.some((w) => w.toLowerCase() === wanted)) return field.required ? undefined : null;
  if (field.options) return pickChoice(localChoices(field.options, flow, ctx), input);
  const answer = validateAnswer(field.validate, text);
  return answer.ok ? answer.value : undefined;
}

/** The id of the choice picked by a button, or by its id, label or number typed out. */
export function pickChoice(choices: readonly Choice[], input: Input): string | undefined {
  if (input.type === 'choice' && choices.some((c) => c.id === input.choiceId)) return input.choiceId;
  const text = input.type === 'text' ? input.text : (input.text ?? input.choiceId);
  const answer = validateAnswer({ type: 'choice' }, text, { choices });
  return answer.ok ? String(answer.value) : undefined;
}
