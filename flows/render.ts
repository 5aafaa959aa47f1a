/**
 * Turning a node's templates into what one contact gets: texts in their
 * language with the flow's variables filled in, and the concrete request of an
 * `http` node. Pure functions of the node, the variables and the step context.
 */
import type { Choice } from '../core/message.js';
import type { FlowAction, HttpRequest, StepContext } from './types.js';
import type { Flow, HttpNode, Text } from './schema.js';
import { renderTemplate } from './template.js';

export type ReplyAction = Extract<FlowAction, { type: 'reply' }>;

/** Said before asking again when an answer does not do and the node has no retry text of its own. */
export const defaultRetry: Text = { en: "Sorry, I didn't get that." };
export const defaultChoiceRetry: Text = { en: 'Please pick one of the options.' };

/** Longest rendered request body; the schema caps the template itself lower, values fill the rest. */
const maxBodyLength = 65_536;

/** The contact's language, else its base language, else the flow's, else the first given. */
function localize(text: Text, flow: Flow, ctx: StepContext): string {
  if (typeof text === 'string') return text;
  const locale = ctx.contact.locale ?? '';
  // Own keys only: a locale the platform (or a client) sends is untrusted, e.g. "__proto__".
  const own = (key: string) => (Object.hasOwn(text, key) ? text[key] : undefined);
  return own(locale) ?? own(locale.split('-')[0] ?? '') ?? own(flow.locale) ?? Object.values(text)[0] ?? '';
}

/** What chat texts can use: the flow's variables and the built-ins. Secrets are left out on purpose. */
export function templateScope(vars: Record<string, unknown>, ctx: StepContext): Record<string, unknown> {
  return { ...vars, contact: ctx.contact, channel: ctx.channel };
}

/** A text, localized and filled in. */
export function renderText(text: Text, flow: Flow, vars: Record<string, unknown>, ctx: StepContext): string {
  return renderTemplate(localize(text, flow, ctx), templateScope(vars, ctx));
}

/** A reply action saying `text`, with `choices` to pick from if given. */
export function reply(text: Text, flow: Flow, vars: Record<string, unknown>, ctx: StepContext, choices?: Choice[]): ReplyAction {
  return { type: 'reply', text: renderText(text, flow, vars, ctx), ...(choices ? { choices } : {}) };
}

/** Choices (of a say node, a form field or the consent question) with labels in the contact's language. */
export function localChoices(options: readonly { id: string; label: Text }[], flow: Flow, ctx: StepContext): Choice[] {
  return options.map((o) => ({ id: o.id, label: localize(o.label, flow, ctx) }));
}

/**
 * The request an `http` node makes: the URL with each value URL-encoded, header
 * values as text (line breaks flattened, as they would end the header), the body
 * with each value a JSON literal. `secrets` are in scope here, and only here.
 */
export function httpRequest(node: HttpNode, vars: Record<string, unknown>, ctx: StepContext): HttpRequest {
  // Secrets last, so a flow variable named `secrets` cannot stand in for them.
  const scope = { ...templateScope(vars, ctx), secrets: ctx.secrets ?? {} };
  const { method, url, body, timeoutMs, maxBytes } = node.http;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(node.http.headers)) headers[name] = renderTemplate(value, scope).replace(/[\r\n]+/g, ' ');
  const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
  if (!has('accept')) headers.accept = 'application/json';
  const rendered = body === undefined ? undefined : renderTemplate(body, scope, { encoding: 'json', maxLength: maxBodyLength });
  if (rendered !== undefined && !has('content-type')) headers['content-type'] = 'application/json';
  return { method, url: renderTemplate(url, scope, { encoding: 'url' }), headers, ...(rendered !== undefined ? { body: rendered } : {}), timeoutMs, maxBytes };
}
