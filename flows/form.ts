/**
 * A `form` node on a messaging channel: one question per field, then the
 * optional consent question, then a `lead` action. Pure, like the engine.
 */
import type { Choice, FormField as WholeField, FormSpec } from '../core/message.js';
import type { FlowAction, FlowInput, FormProgress, StepContext } from './types.js';
import { defaultChoiceRetry, defaultRetry, localChoices, renderText, reply, type ReplyAction } from './render.js';
import type { Flow, FormField, FormNode, Text } from './schema.js';
import { validateAnswer } from './validators.js';

/** After an answer: still asking (same question on a bad answer), or done with the lead and the `submitted` reply. */
export type FormStep =
  | { done: false; actions: FlowAction[]; vars: Record<string, unknown>; progress: FormProgress; retried: boolean }
  | { done: true; actions: FlowAction[]; vars: Record<string, unknown> };

type Input = Exclude<FlowInput, { type: 'http-result' } | { type: 'idle' } | { type: 'form' }>;
type WholeInput = Extract<FlowInput, { type: 'form' }>;

/** Said above a form sent whole when the node has no title. */
const defaultFormIntro: Text = { en: 'Please fill in this form.', cs: 'Vyplňte prosím tento formulář.' };
/** Said when the contact types instead of filling in a form sent whole. */
export const formHint: Text = { en: 'Please use the form below.', cs: 'Použijte prosím formulář níže.' };
const requiredText: Text = { en: 'This field is required.', cs: 'Toto pole je povinné.' };
const checkText: Text = { en: 'Please check:', cs: 'Zkontrolujte prosím:' };

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

/** How a channel with forms draws a field: the validator's type, a pattern being free text it checks on submit. */
function wholeField(field: FormField, flow: Flow, vars: Record<string, unknown>, ctx: StepContext): WholeField {
  const kind = field.validate.type;
  const type: WholeField['type'] = kind === 'regex' ? 'text' : kind;
  return {
    name: field.name,
    label: renderText(field.label, flow, vars, ctx),
    type,
    required: field.required,
    ...(field.options ? { options: localChoices(field.options, flow, ctx) } : {}),
  };
}

/** The whole form in one reply, for channels that show forms (the title, or a default, introduces it). */
export function askWholeForm(node: FormNode, flow: Flow, vars: Record<string, unknown>, ctx: StepContext): ReplyAction {
  const { fields, consent } = node.form;
  const form: FormSpec = {
    id: node.form.id,
    fields: fields.map((f) => wholeField(f, flow, vars, ctx)),
    ...(consent ? { consent: { purpose: consent.purpose, text: renderText(consent.label, flow, vars, ctx) } } : {}),
  };
  return { ...reply(node.form.title ?? defaultFormIntro, flow, vars, ctx), form };
}

/**
 * A whole form submitted at once, checked field by field with the same validators as the
 * conversational form (a skip word or nothing skips an optional field). Any problem: one reply
 * listing them and the form again, nothing stored. All good: the lead, like the question-by-question form.
 */
export function answerWholeForm(node: FormNode, input: WholeInput, flow: Flow, vars: Record<string, unknown>, ctx: StepContext): FormStep {
  const { fields, consent, skip } = node.form;
  const values: Record<string, string | number> = {};
  const problems: string[] = [];
  const next = { ...vars };
  for (const field of fields) {
    const raw = Object.hasOwn(input.fields, field.name) ? String(input.fields[field.name]).trim() : '';
    const skipped = !raw || skip.some((w) => w.toLowerCase() === raw.toLowerCase());
    if (skipped) {
      if (field.required) problems.push(`• ${renderText(field.label, flow, vars, ctx)} ${renderText(requiredText, flow, vars, ctx)}`);
      delete next[field.name];
      continue;
    }
    const answer = field.options ? pickChoice(localChoices(field.options, flow, ctx), { type: 'text', text: raw }) : validateAnswer(field.validate, raw);
    const value = typeof answer === 'object' ? (answer.ok ? answer.value : undefined) : answer;
    if (value === undefined) {
      problems.push(`• ${renderText(field.label, flow, vars, ctx)} ${renderText(field.retry ?? defaultRetry, flow, vars, ctx)}`);
      continue;
    }
    values[field.name] = value;
    next[field.name] = value;
  }
  if (problems.length) {
    const text = `${renderText(checkText, flow, vars, ctx)}\n${problems.join('\n')}`;
    return {
      done: false,
      actions: [{ type: 'reply', text }, askWholeForm(node, flow, vars, ctx)],
      vars,
      progress: { field: 0, values: {}, whole: true },
      retried: true,
    };
  }
  // The checkbox as the form showed it; unticked (or absent) is a refusal, recorded as such.
  const given = consent
    ? {
        purpose: consent.purpose,
        granted: input.consent?.purpose === consent.purpose && input.consent.granted === true,
        text: renderText(consent.label, flow, vars, ctx),
      }
    : undefined;
  return finish(node, values, next, flow, ctx, given);
}

/** Applies the contact's answer to the question the form is on. */
export function answerForm(node: FormNode, progress: FormProgress, input: Input, flow: Flow, vars: Record<string, unknown>, ctx: StepContext): FormStep {
  const { fields, consent } = node.form;
  const at = progress.field;
  const field = fields[at];
  const retry = (text: Text): FormStep => ({
    done: false,
    actions: [reply(text, flow, vars, ctx), askForm(node, at, flow, vars, ctx)],
    vars,
    progress,
    retried: true,
  });

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
function finish(
  node: FormNode,
  fields: Record<string, string | number>,
  vars: Record<string, unknown>,
  flow: Flow,
  ctx: StepContext,
  consent?: { purpose: string; granted: boolean; text: string },
): FormStep {
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
