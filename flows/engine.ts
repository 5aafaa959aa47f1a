import type { Choice } from '../core/message.js';
import type { Condition, Flow, FlowNode, Text } from './schema.js';
import { renderTemplate } from './template.js';
import { validateAnswer } from './validators.js';

/** Where a conversation is in its flow; stored on the conversation, so it survives restarts. */
export interface FlowState {
  flow: string;
  /** The flow's content hash when this conversation entered it. */
  version: string;
  /** The node waiting for an answer, or the one the flow stopped at. */
  node: string;
  vars: Record<string, unknown>;
  /** Failed answers to the waiting node so far. */
  retries: number;
  status: 'waiting' | 'handoff' | 'ended';
}

export type FlowInput = { type: 'text'; text: string } | { type: 'choice'; choiceId: string; text?: string };

export type FlowAction =
  | { type: 'reply'; text: string; choices?: Choice[] }
  /** Hand the conversation to people; the bot stays silent until it is handed back. */
  | { type: 'handoff'; team?: string }
  /** The contact asked to stop marketing messages (recorded by the consent work). */
  | { type: 'opt-out' };

export interface StepContext {
  contact: { name?: string; locale?: string };
  channel: string;
  /** Flows by id, for `goto` into another flow (their current versions). */
  flows: ReadonlyMap<string, Flow>;
}

export interface StepResult {
  actions: FlowAction[];
  state: FlowState;
}

/** More node visits than this in one step means a loop without a question in it. */
const maxHops = 100;
const defaultRetry: Text = { en: "Sorry, I didn't get that." };
const defaultChoiceRetry: Text = { en: 'Please pick one of the options.' };

/**
 * Starts `flow` at its start node. Pure: same inputs, same result; the caller
 * performs the actions and stores the state.
 */
export function startFlow(flow: Flow, ctx: StepContext, vars: Record<string, unknown> = {}): StepResult {
  const state: FlowState = { flow: flow.id, version: flow.version, node: flow.start, vars, retries: 0, status: 'waiting' };
  return run(flow, state, flow.start, [], ctx);
}

/**
 * One turn: the contact's input against the state's waiting node. `flow` is
 * the version the state names. Pure, and it never throws on any input.
 */
export function step(flow: Flow, state: FlowState, input: FlowInput, ctx: StepContext): StepResult {
  const text = input.type === 'text' ? input.text : (input.text ?? input.choiceId);
  const intent = flow.intents[text.trim().toLowerCase()];
  if (intent === '@restart') return startFlow(flow, ctx);
  if (intent === '@stop') return { actions: [{ type: 'opt-out' }], state };
  if (intent) return run(flow, { ...state, status: 'waiting' }, intent, [], ctx);

  if (state.status === 'handoff') return { actions: [], state };
  if (state.status === 'ended') return startFlow(flow, ctx, state.vars);
  const node = flow.nodes.get(state.node);
  if (!node) return startFlow(flow, ctx); // the node is gone (should not happen: versions are kept)

  const actions: FlowAction[] = [];
  if (node.kind === 'say' && node.choices) {
    const choices = node.choices.map((c) => ({ id: c.id, label: localize(c.label, flow, ctx) }));
    const picked = input.type === 'choice' ? choices.find((c) => c.id === input.choiceId) : undefined;
    const answer = picked ? { ok: true as const, value: picked.id } : validateAnswer({ type: 'choice' }, text, { choices });
    if (answer.ok) return run(flow, state, node.choices.find((c) => c.id === answer.value)!.next, actions, ctx);
    actions.push(reply(node.retry ?? defaultChoiceRetry, flow, state, ctx), { ...reply(node.say, flow, state, ctx), choices });
    return { actions, state: { ...state, retries: state.retries + 1 } };
  }
  if (node.kind === 'ask') {
    const answer = validateAnswer(node.validate, text);
    if (answer.ok) return run(flow, { ...state, vars: { ...state.vars, [node.var]: answer.value } }, node.next, actions, ctx);
    const retries = state.retries + 1;
    if (retries > node.maxRetries && node.fallback) return run(flow, state, node.fallback, actions, ctx);
    actions.push(reply(node.retry ?? defaultRetry, flow, state, ctx), reply(node.ask, flow, state, ctx));
    return { actions, state: { ...state, retries: retries > node.maxRetries ? 0 : retries } };
  }
  // Waiting on a node that asks nothing (e.g. the flow changed shape): carry on from it.
  return run(flow, state, state.node, actions, ctx);
}

/** Enters `target` and runs nodes until one waits for an answer or the flow stops. */
function run(flow: Flow, state: FlowState, target: string, actions: FlowAction[], ctx: StepContext): StepResult {
  let current = flow;
  let vars = state.vars;
  let name = target;
  for (let hop = 0; hop < maxHops; hop++) {
    const node: FlowNode | undefined = current.nodes.get(name);
    const here = (status: FlowState['status']): StepResult => ({ actions, state: { flow: current.id, version: current.version, node: name, vars, retries: 0, status } });
    if (!node) return here('ended');
    const scope = { state: { ...state, vars }, flow: current };
    switch (node.kind) {
      case 'say':
        actions.push({ ...reply(node.say, current, scope.state, ctx), ...(node.choices ? { choices: node.choices.map((c) => ({ id: c.id, label: localize(c.label, current, ctx) })) } : {}) });
        if (node.choices) return here('waiting');
        if (!node.next) return here('ended');
        name = node.next;
        break;
      case 'ask':
        actions.push(reply(node.ask, current, scope.state, ctx));
        return here('waiting');
      case 'set': {
        const values = templateScope(vars, ctx);
        vars = { ...vars, ...Object.fromEntries(Object.entries(node.set).map(([k, v]) => [k, typeof v === 'string' ? renderTemplate(v, values) : v])) };
        name = node.next;
        break;
      }
      case 'branch':
        name = node.branch.find((b) => holds(b.when, templateScope(vars, ctx)))?.next ?? node.else;
        break;
      case 'goto':
        if (typeof node.goto === 'string') {
          name = node.goto;
        } else {
          const next = ctx.flows.get(node.goto.flow);
          if (!next) return here('ended');
          current = next;
          name = node.goto.node ?? next.start;
        }
        break;
      case 'handoff':
        actions.push(reply(node.handoff.message, current, scope.state, ctx), { type: 'handoff', ...(node.handoff.team ? { team: node.handoff.team } : {}) });
        return here('handoff');
      case 'end':
        if (node.end !== null) actions.push(reply(node.end, current, scope.state, ctx));
        return here('ended');
    }
  }
  // A loop of nodes that never asks anything: stop rather than spin.
  return { actions, state: { ...state, vars, status: 'ended' } };
}

function reply(text: Text, flow: Flow, state: FlowState, ctx: StepContext): { type: 'reply'; text: string } {
  return { type: 'reply', text: renderTemplate(localize(text, flow, ctx), templateScope(state.vars, ctx)) };
}

/** The contact's language, else its base language, else the flow's, else the first given. */
export function localize(text: Text, flow: Flow, ctx: StepContext): string {
  if (typeof text === 'string') return text;
  const locale = ctx.contact.locale;
  return text[locale ?? ''] ?? text[locale?.split('-')[0] ?? ''] ?? text[flow.locale] ?? Object.values(text)[0] ?? '';
}

function templateScope(vars: Record<string, unknown>, ctx: StepContext): Record<string, unknown> {
  return { ...vars, contact: ctx.contact, channel: ctx.channel };
}

function lookup(scope: Record<string, unknown>, path: string): unknown {
  let value: unknown = scope;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Every test given in a condition must hold. */
function holds(condition: Condition, scope: Record<string, unknown>): boolean {
  const value = lookup(scope, condition.var);
  const present = value !== undefined && value !== null && value !== '';
  if (condition.exists !== undefined && condition.exists !== present) return false;
  if (condition.equals !== undefined && String(value) !== String(condition.equals)) return false;
  if (condition.in !== undefined && !condition.in.map(String).includes(String(value))) return false;
  if (condition.gt !== undefined && !(Number(value) > condition.gt)) return false;
  if (condition.lt !== undefined && !(Number(value) < condition.lt)) return false;
  return true;
}
