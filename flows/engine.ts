import { answerForm, answerWholeForm, askForm, askWholeForm, formHint, pickChoice } from './form.js';
import { defaultChoiceRetry, defaultRetry, httpRequest, localChoices, reply, templateScope } from './render.js';
import type { Condition, Flow, FlowNode, Idle } from './schema.js';
import { renderTemplate, valueAt } from './template.js';
import type { FlowAction, FlowInput, FlowState, FormProgress, IdleStage, StepContext, StepResult } from './types.js';
import { validateAnswer } from './validators.js';

export type { FlowAction, FlowInput, FlowState, HttpRequest, HttpResult, IdleStage, StepContext, StepResult } from './types.js';

/**
 * The idle timers to set after a turn that ends in `state`: when the contact
 * stays quiet that long, call {@link step} with `{ type: 'idle', stage }`.
 * Only a question waiting for the contact has them; a new message makes them moot.
 */
export function idleTimers(flow: Flow, state: FlowState): { stage: IdleStage; afterMs: number }[] {
  const config = waitingIdle(flow, state);
  return [
    ...(config?.remind ? [{ stage: 'remind' as const, afterMs: config.remind.after }] : []),
    ...(config?.close ? [{ stage: 'close' as const, afterMs: config.close.after }] : []),
  ];
}

function waitingIdle(flow: Flow, state: FlowState): Idle | undefined {
  if (state.status !== 'waiting' || state.awaiting) return undefined;
  const node = flow.nodes.get(state.node);
  if (!node || !(node.kind === 'ask' || node.kind === 'form' || (node.kind === 'say' && node.choices))) return undefined;
  return node.idle ?? flow.idle;
}

/** A reminder leaves the flow where it is; closing ends it; a resume picks up after the handoff. */
function idle(flow: Flow, state: FlowState, stage: IdleStage, ctx: StepContext): StepResult {
  if (stage === 'resume') return resume(flow, state, ctx);
  const config = waitingIdle(flow, state);
  if (stage === 'remind') return { actions: config?.remind ? [reply(config.remind.text, flow, state.vars, ctx)] : [], state };
  if (!config?.close) return { actions: [], state };
  const actions: FlowAction[] = config.close.text ? [reply(config.close.text, flow, state.vars, ctx)] : [];
  actions.push({ type: 'close' });
  return { actions, state: { ...state, status: 'ended', retries: 0 } };
}

/**
 * An agent handed the conversation back with `resume`: the flow goes on at the handoff node's
 * `next`, right away (its say or question goes out without the contact writing first). Without a
 * `next`, or when the flow was not at a handoff, it ends: the contact's next message starts it
 * afresh, keeping what it had learnt.
 */
function resume(flow: Flow, state: FlowState, ctx: StepContext): StepResult {
  const node = flow.nodes.get(state.node);
  const next = state.status === 'handoff' && node?.kind === 'handoff' ? node.handoff.next : undefined;
  if (!next) return { actions: [], state: { ...state, status: 'ended', retries: 0 } };
  return run(flow, { ...state, status: 'waiting', retries: 0 }, next, [], ctx);
}

/** More node visits than this in one step means a loop without a question in it. */
const maxHops = 100;

/**
 * Starts `flow` at its start node. Pure: same inputs, same result; the caller
 * performs the actions and stores the state.
 */
export function startFlow(flow: Flow, ctx: StepContext, vars: Record<string, unknown> = {}): StepResult {
  const state: FlowState = { flow: flow.id, version: flow.version, node: flow.start, vars, retries: 0, status: 'waiting' };
  return run(flow, state, flow.start, [], ctx);
}

/**
 * One turn: the contact's input (or an http result) against the state's
 * waiting node. `flow` is the version the state names. Pure, and it never
 * throws on any input.
 */
export function step(flow: Flow, state: FlowState, input: FlowInput, ctx: StepContext): StepResult {
  const node = flow.nodes.get(state.node);
  if (input.type === 'idle') return idle(flow, state, input.stage, ctx);
  const awaiting = state.status === 'waiting' && state.awaiting === 'http' && node?.kind === 'http' ? node : undefined;
  if (input.type === 'http-result') {
    if (!awaiting) return { actions: [], state }; // late or duplicate: the flow has moved on
    const vars = { ...state.vars, [awaiting.var]: input.ok ? input.json : { error: input.error } };
    return run(flow, { ...state, vars }, input.ok ? awaiting.next : awaiting.onError, [], ctx);
  }
  if (input.type === 'form') {
    // Only the form the flow is waiting on counts: a stale or foreign form changes nothing.
    if (awaiting || state.status !== 'waiting' || node?.kind !== 'form' || node.form.id !== input.form) return { actions: [], state };
    const outcome = answerWholeForm(node, input, flow, state.vars, ctx);
    if (outcome.done) return run(flow, { ...state, vars: outcome.vars, form: undefined }, node.next, outcome.actions, ctx);
    return { actions: outcome.actions, state: { ...state, retries: state.retries + 1 } };
  }
  const text = input.type === 'text' ? input.text : (input.text ?? input.choiceId);
  const word = text.trim().toLowerCase();
  // Own keys only: a contact typing "__proto__" or "constructor" is not an intent.
  const intent = Object.hasOwn(flow.intents, word) ? flow.intents[word] : undefined;
  if (intent === '@stop') return { actions: [{ type: 'opt-out' }], state };
  // The request is out and its result will come; an opt-out above is the one thing not to drop meanwhile.
  if (awaiting) return { actions: [], state };
  if (intent === '@restart') return startFlow(flow, ctx);
  if (intent) return run(flow, { ...state, status: 'waiting' }, intent, [], ctx);

  if (state.status === 'handoff') return { actions: [], state };
  if (state.status === 'ended') return startFlow(flow, ctx, state.vars);
  if (!node) return startFlow(flow, ctx); // the node is gone (should not happen: versions are kept)

  const actions: FlowAction[] = [];
  if (node.kind === 'say' && node.choices) {
    const choices = localChoices(node.choices, flow, ctx);
    const picked = pickChoice(choices, input);
    const choice = node.choices.find((c) => c.id === picked);
    if (choice) return run(flow, state, choice.next, actions, ctx);
    actions.push(reply(node.retry ?? defaultChoiceRetry, flow, state.vars, ctx), reply(node.say, flow, state.vars, ctx, choices));
    return { actions, state: { ...state, retries: state.retries + 1 } };
  }
  if (node.kind === 'ask') {
    const answer = validateAnswer(node.validate, text);
    if (answer.ok) return run(flow, { ...state, vars: { ...state.vars, [node.var]: answer.value } }, node.next, actions, ctx);
    const retries = state.retries + 1;
    if (retries > node.maxRetries && node.fallback) return run(flow, state, node.fallback, actions, ctx);
    actions.push(reply(node.retry ?? defaultRetry, flow, state.vars, ctx), reply(node.ask, flow, state.vars, ctx));
    return { actions, state: { ...state, retries: retries > node.maxRetries ? 0 : retries } };
  }
  if (node.kind === 'form' && state.form?.whole) {
    // Typed instead of filling the form in: point at the form, shown again.
    return { actions: [reply(formHint, flow, state.vars, ctx), askWholeForm(node, flow, state.vars, ctx)], state: { ...state, retries: state.retries + 1 } };
  }
  if (node.kind === 'form') {
    const outcome = answerForm(node, state.form ?? { field: 0, values: {} }, input, flow, state.vars, ctx);
    if (outcome.done) return run(flow, { ...state, vars: outcome.vars }, node.next, outcome.actions, ctx);
    return { actions: outcome.actions, state: { ...state, vars: outcome.vars, form: outcome.progress, retries: outcome.retried ? state.retries + 1 : 0 } };
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
    const here = (status: FlowState['status'], extra: Pick<FlowState, 'form' | 'awaiting'> = {}): StepResult => ({
      actions,
      state: { flow: current.id, version: current.version, node: name, vars, retries: 0, status, ...extra },
    });
    if (!node) return here('ended');
    switch (node.kind) {
      case 'say':
        actions.push(reply(node.say, current, vars, ctx, node.choices ? localChoices(node.choices, current, ctx) : undefined));
        if (node.choices) return here('waiting');
        if (!node.next) return here('ended');
        name = node.next;
        break;
      case 'ask':
        actions.push(reply(node.ask, current, vars, ctx));
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
        actions.push(reply(node.handoff.message, current, vars, ctx), { type: 'handoff', ...(node.handoff.team ? { team: node.handoff.team } : {}) });
        return here('handoff');
      case 'transcript': {
        const to = vars[node.transcript.to];
        actions.push({ type: 'transcript', to: typeof to === 'string' ? to : '' });
        if (node.transcript.say) actions.push(reply(node.transcript.say, current, vars, ctx));
        if (!node.next) return here('ended');
        name = node.next;
        break;
      }
      case 'end':
        if (node.end !== null) actions.push(reply(node.end, current, vars, ctx));
        return here('ended');
      case 'form': {
        if (ctx.forms) {
          actions.push(askWholeForm(node, current, vars, ctx));
          return here('waiting', { form: { field: 0, values: {}, whole: true } });
        }
        const progress: FormProgress = { field: 0, values: {} };
        if (node.form.title) actions.push(reply(node.form.title, current, vars, ctx));
        actions.push(askForm(node, progress.field, current, vars, ctx));
        return here('waiting', { form: progress });
      }
      case 'http':
        // The caller performs the request and feeds back its http-result; no I/O here.
        actions.push({ type: 'http', request: httpRequest(node, vars, ctx) });
        return here('waiting', { awaiting: 'http' });
    }
  }
  // A loop of nodes that never asks anything: stop rather than spin.
  return { actions, state: { flow: state.flow, version: state.version, node: state.node, vars, retries: state.retries, status: 'ended' } };
}

/** Every test given in a condition must hold; the variable is read like a template reads it (own keys only). */
function holds(condition: Condition, scope: Record<string, unknown>): boolean {
  const value = valueAt(scope, condition.var.split('.'));
  const present = value !== undefined && value !== null && value !== '';
  if (condition.exists !== undefined && condition.exists !== present) return false;
  if (condition.equals !== undefined && String(value) !== String(condition.equals)) return false;
  if (condition.in !== undefined && !condition.in.map(String).includes(String(value))) return false;
  if (condition.gt !== undefined && !(Number(value) > condition.gt)) return false;
  if (condition.lt !== undefined && !(Number(value) < condition.lt)) return false;
  return true;
}
