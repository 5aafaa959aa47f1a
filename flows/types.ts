/**
 * The types the engine, forms and rendering share (what a step takes, gives and keeps), so that
 * none of them imports another for its types. `engine.ts` re-exports them for callers.
 */
import type { Choice, FormSpec } from '../core/message.js';
import type { Flow } from './schema.js';

/** Where a form is: the question being asked (`fields.length` is the consent question) and the answers so far. */
export interface FormProgress {
  field: number;
  values: Record<string, string | number>;
  /** The form was sent whole (a channel with forms): the answer is one submission of every field. */
  whole?: boolean;
}

/** Where a conversation is in its flow; stored on the conversation, so it survives restarts. */
export interface FlowState {
  flow: string;
  /** The flow's content hash when this conversation entered it. */
  version: string;
  /** The node waiting for an answer, or the one the flow stopped at. */
  node: string;
  vars: Record<string, unknown>;
  /** Failed answers to the waiting node (for a form: to its current question) so far. */
  retries: number;
  status: 'waiting' | 'handoff' | 'ended';
  /** While waiting at a `form` node: the question it is on and the answers so far. */
  form?: FormProgress;
  /** While waiting at an `http` node: its request is out, and only an `http-result` moves the flow on. */
  awaiting?: 'http';
}

/** What an `http` node asks the caller to send (see `performHttp` in flows/http.ts). */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** The largest response body to accept, in bytes. */
  maxBytes: number;
}

/** How an `http` node's request went: the parsed JSON response, or a short reason. */
export type HttpResult = { ok: true; json: unknown } | { ok: false; error: string };

export type FlowInput =
  | { type: 'text'; text: string }
  | { type: 'choice'; choiceId: string; text?: string }
  /** A whole form submitted at once, on channels that show forms whole ({@link StepContext.forms}). */
  | { type: 'form'; form: string; fields: Record<string, string>; consent?: { purpose: string; granted: boolean } }
  /** The outcome of the request of the latest `http` action, fed back by the caller. */
  | ({ type: 'http-result' } & HttpResult)
  /** The contact has been quiet for one of the times {@link idleTimers} gave (the caller's timer fired). */
  | { type: 'idle'; stage: IdleStage };

export type IdleStage = 'remind' | 'close' | 'resume';

export type FlowAction =
  /** `form`: shown whole by channels with forms (the text introduces it). */
  | { type: 'reply'; text: string; choices?: Choice[]; form?: FormSpec }
  /** Hand the conversation to people; the bot stays silent until it is handed back. */
  | { type: 'handoff'; team?: string }
  /** The contact asked to stop marketing messages (recorded by the consent work). */
  | { type: 'opt-out' }
  /** A completed form; `consent.text` is the question as the contact saw it. */
  | { type: 'lead'; form: string; fields: Record<string, string | number>; consent?: { purpose: string; granted: boolean; text: string } }
  /** Perform this request, then call {@link step} with its `http-result`. Always the last action of a step. */
  | { type: 'http'; request: HttpRequest }
  /** The contact went quiet for good: close the conversation. */
  | { type: 'close' }
  /** E-mail the contact the conversation so far, to the address in the node's variable (core/email/). */
  | { type: 'transcript'; to: string };

export interface StepContext {
  contact: { name?: string; locale?: string };
  channel: string;
  /** Flows by id, for `goto` into another flow (their current versions). */
  flows: ReadonlyMap<string, Flow>;
  /** Values for `{{ secrets.* }}` (API keys), usable in http nodes only, never in chat texts. */
  secrets?: Readonly<Record<string, string>>;
  /** The channel shows a form whole (the widget): a `form` node is sent as one form, not asked field by field. */
  forms?: boolean;
}

export interface StepResult {
  actions: FlowAction[];
  state: FlowState;
}
