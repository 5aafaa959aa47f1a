import type { Logger } from 'pino';
import type { Responder, Turn, TurnOutcome, Reply, CapturedLead } from '../core/responder.js';
import type { InboundMessage } from '../core/message.js';
import { idleTimers, startFlow, step, type FlowAction, type FlowInput, type FlowState, type StepContext, type StepResult } from './engine.js';
import { performHttp, type HttpRequest, type HttpResult } from './http.js';
import type { WorkspaceConfig } from '../core/config/schema.js';
import { outboundFor } from '../core/net/workspace-outbound.js';
import type { FlowRegistry } from './registry.js';

/** More `http` nodes than this in one turn stops the turn (a flow looping over an API). */
const maxHttpPerTurn = 5;

/**
 * Runs each workspace's flows for its conversations: the engine's pure steps,
 * with the `http` calls they ask for performed in between, and the actions
 * turned into replies, a stored state, leads and a handoff.
 */
export interface FlowResponderOptions {
  registries: ReadonlyMap<string, FlowRegistry>;
  /** Answers workspaces without flows. */
  fallback: Responder;
  logger?: Logger;
  /** Performs an `http` node's request; by default through the workspace's outbound client (its allowlist). */
  http?: (request: HttpRequest, workspace: WorkspaceConfig) => Promise<HttpResult>;
  /** Whether a channel shows forms whole (capabilities.forms): its `form` nodes are sent as one form. */
  showsForms?: (channel: string) => boolean;
}

export class FlowResponder implements Responder {
  private readonly registries: ReadonlyMap<string, FlowRegistry>;
  private readonly fallback: Responder;
  private readonly logger: Logger | undefined;
  private readonly http: NonNullable<FlowResponderOptions['http']>;
  private readonly showsForms: (channel: string) => boolean;

  constructor(options: FlowResponderOptions) {
    this.registries = options.registries;
    this.fallback = options.fallback;
    this.logger = options.logger;
    this.http = options.http ?? ((request, workspace) => performHttp(request, { client: outboundFor(workspace) }));
    this.showsForms = options.showsForms ?? (() => false);
  }

  async respond(turn: Turn): Promise<TurnOutcome> {
    const registry = this.registries.get(turn.workspace.id);
    if (!registry) return this.fallback.respond(turn);
    const ctx: StepContext = {
      contact: turn.contact,
      channel: turn.address.channel,
      flows: registry.current,
      secrets: turn.workspace.secrets,
      forms: this.showsForms(turn.address.channel),
    };
    const previous = parseState(turn.state);
    await registry.saveVersions();

    let result: StepResult;
    if (!previous) {
      if (!turn.message) return { replies: [] }; // a timer of a conversation the flow never started
      result = startFlow(registry.start, ctx);
    } else {
      const flow = (await registry.resolve(previous.flow, previous.version)) ?? registry.start;
      result = step(flow, previous, turn.message ? toInput(turn.message) : { type: 'idle', stage: turn.idle ?? 'remind' }, ctx);
    }
    const actions: FlowAction[] = [];
    for (let calls = 0; ; calls++) {
      const http = result.actions.find((a): a is Extract<FlowAction, { type: 'http' }> => a.type === 'http');
      actions.push(...result.actions.filter((a) => a.type !== 'http'));
      if (!http) break;
      if (calls >= maxHttpPerTurn) {
        this.logger?.warn({ flow: result.state.flow, node: result.state.node }, 'too many http calls in one turn; the flow stops here');
        break;
      }
      const outcome = await this.http(http.request, turn.workspace);
      if (!outcome.ok) this.logger?.info({ flow: result.state.flow, node: result.state.node, error: outcome.error }, 'flow http call failed');
      const flow = registry.get(result.state.flow, result.state.version) ?? registry.start;
      result = step(flow, result.state, { type: 'http-result', ...outcome } as FlowInput, ctx);
    }
    const outcome = toOutcome(actions, result.state);
    if (actions.some((a) => a.type === 'opt-out') && turn.message) {
      // Recorded in the consent ledger by the router, with what the contact wrote as the proof.
      outcome.consents = [{ purpose: 'marketing', granted: false, text: inboundText(turn.message) }];
    }
    const flow = registry.get(result.state.flow, result.state.version);
    const timers = flow ? idleTimers(flow, result.state) : [];
    if (timers.length) outcome.timers = timers;
    return outcome;
  }
}

function toInput(message: InboundMessage): FlowInput {
  const content = message.content;
  switch (content.type) {
    case 'choice':
      return { type: 'choice', choiceId: content.choiceId, ...(content.text ? { text: content.text } : {}) };
    case 'text':
      return { type: 'text', text: content.text };
    case 'media':
      // A file with a caption answers like its caption; a bare file like an empty answer (asked again).
      return { type: 'text', text: content.text ?? '' };
    case 'form':
      // Channels that show forms whole (the widget) submit every field at once; the engine checks each.
      return {
        type: 'form',
        form: content.form,
        fields: content.fields,
        ...(content.consent ? { consent: { purpose: content.consent.purpose, granted: content.consent.granted } } : {}),
      };
  }
}

function parseState(raw: string | undefined): FlowState | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as FlowState;
  } catch {
    return undefined; // unreadable: start the flow again rather than fail the conversation
  }
}

function toOutcome(actions: FlowAction[], state: FlowState): TurnOutcome {
  const replies: Reply[] = [];
  const leads: CapturedLead[] = [];
  const outcome: TurnOutcome = { replies, state: JSON.stringify(state) };
  for (const action of actions) {
    switch (action.type) {
      case 'reply':
        replies.push({ text: action.text, ...(action.choices ? { choices: action.choices } : {}), ...(action.form ? { form: action.form } : {}) });
        break;
      case 'handoff':
        outcome.status = 'waiting';
        if (action.team) outcome.team = action.team;
        break;
      case 'lead':
        leads.push({ flow: state.flow, form: action.form, fields: action.fields, ...(action.consent ? { consent: action.consent } : {}) });
        break;
      case 'opt-out':
        // A marketing withdrawal: see `consents` in respond().
        break;
      case 'close':
        outcome.status = 'closed';
        break;
      case 'http':
        break;
      case 'transcript':
        outcome.transcripts = [...(outcome.transcripts ?? []), action.to];
        break;
    }
  }
  if (leads.length) outcome.leads = leads;
  return outcome;
}

/** What the contact wrote, as the proof of a consent given in words. */
function inboundText(message: InboundMessage): string {
  const c = message.content;
  return c.type === 'text' ? c.text : c.type === 'choice' ? (c.text ?? c.choiceId) : c.type === 'media' ? (c.text ?? '') : '';
}
