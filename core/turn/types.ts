import type { ChannelCapabilities } from '../adapter.js';
import type { WorkspaceConfig } from '../config/schema.js';
import type { Address, InboundContent, InboundMessage } from '../message.js';
import type { OutboundRef } from '../queue/queues.js';
import type { CapturedLead, IdleStage, Reply } from '../responder.js';
import type { ConversationDoc, ConversationStatus } from '../store/conversation.js';

/** What a turn reads of its contact. */
export interface TurnContact {
  id: string;
  /** Name and locale as the platform (or the person) gave them; flows greet and pick a language by them. */
  profile: { name?: string; locale?: string };
  /** Said STOP: nothing is sent until START. */
  stopped: boolean;
  /** The privacy notice version this contact has seen. */
  noticeVersion?: string;
  /** Processing restricted (Art. 18): the message is stored, nothing else happens. */
  restricted?: boolean;
  /** Objected (Art. 21): no idle reminders, nothing for marketing. */
  objected?: boolean;
}

/** A consent event the turn records in the ledger at commit, with the turn's address. */
export interface TurnConsent {
  purpose: string;
  granted: boolean;
  /** Which wording the person saw: a configured version, `keyword`, or a hash of the text. */
  textVersion: string;
  text?: string;
  /** `key` makes the event replay-safe: the same key records it once. */
  evidence: { source: string; key: string; messageId?: string };
  at?: Date;
}

/** Everything a turn's steps collect; {@link TurnContext} is written by one commit at the end. */
export interface TurnCollection {
  /** In the order they are sent (the privacy notice, when due, goes first). */
  replies: Reply[];
  /** Set when the first reply is the privacy notice: its version, stored on the contact once the turn is. */
  noticeVersion?: string;
  leads: CapturedLead[];
  /** Addresses the contact asked the conversation to be e-mailed to, queued once the turn is stored. */
  transcripts: string[];
  consents: TurnConsent[];
  /** Fields the person typed about themselves (a pre-chat form), put on the contact; never overwritten by the platform. */
  typed: Record<string, string>;
  /**
   * The responder's new state and the state it started from (stored as `botPrevState`, so a
   * retry of this turn starts from the same place). Undefined: the bot did not run.
   */
  bot?: { state?: string; from?: string };
  status?: ConversationStatus;
  team?: string;
  /**
   * People took the conversation outside the console (the business wrote from its own device):
   * the commit drops the bot's replies not delivered yet and records the takeover by `actor`.
   */
  takeover?: { actor: string };
  /**
   * The offline path (steps/offline-handoff.ts): `closed`, a handoff while the team is closed
   * (the contact is told when people answer); `message`, the contact's first message after it,
   * taken as a lead; `open`, a handoff during opening hours (an earlier mark is cleared).
   */
  offline?: 'closed' | 'message' | 'open';
  timers: { stage: IdleStage; afterMs: number }[];
}

/**
 * One turn: an inbound message, or an idle timer that fired. Built once, then run through the
 * steps of `core/turn/steps.ts`, then committed (`core/turn/commit.ts`).
 */
export interface TurnContext {
  /**
   * Unique per turn and stable across retries: the inbound message's id, or
   * `{inbound id}:{stage}` for an idle turn. Reply, lead and consent ids derive from it.
   */
  readonly id: string;
  readonly address: Address;
  readonly workspace: WorkspaceConfig;
  readonly conversation: ConversationDoc;
  readonly contact: TurnContact;
  /** The channel account's capabilities (undefined when its adapter is not loaded in this process). */
  readonly capabilities: ChannelCapabilities | undefined;
  /** What the contact said; absent on an idle turn. */
  readonly inbound?: InboundMessage;
  /** The idle stage of a timer turn; absent on a message turn. */
  readonly idle?: IdleStage;
  /** The first reply's `order` within the conversation (see Message.order). */
  readonly replyOrder: number;
  readonly collected: TurnCollection;
}

/**
 * One step of a turn, grammY-style: do something with the turn, then `await next()` to run the
 * steps after it, or return without calling it to end the turn there (e.g. STOP: no bot).
 * Calling `next` twice throws.
 */
export type TurnStep = (turn: TurnContext, next: () => Promise<void>) => Promise<void>;

/** The content of a form submission, as a channel's own-form handler receives it. */
export type FormContent = Extract<InboundContent, { type: 'form' }>;

/**
 * Forms a channel's own client shows itself rather than a flow (the widget's pre-chat and
 * offline forms), by form id. A handler puts what the form means on the turn (typed contact
 * fields, a lead, consents, a reply); the bot does not see the submission.
 */
export type OwnFormHandler = (turn: TurnContext, form: FormContent) => void | Promise<void>;
export type OwnForms = Readonly<Record<string, OwnFormHandler>>;

/** A reply a turn stored: where to queue it, and the document as stored (so its first delivery attempt reads nothing). */
export interface TurnReply {
  ref: OutboundRef;
  stored?: ReplyDocument;
  /** When the contact last wrote (ISO), for channels with a reply window; known to the turn, so delivery need not read it. */
  lastInboundAt?: string;
}

/**
 * A reply's first delivery attempt, made by the turn before it stores the reply (see
 * core/pipeline/first-delivery.ts): what to store of it on the reply's document.
 */
export interface FirstAttempt {
  /** The reply's status after the attempt (`sent`, `failed`, or still `queued`) with `sentAt`, `platformId`, `attempts`, `error`. */
  fields: Record<string, unknown>;
  /** Not delivered yet: try again after this long. This reply and those after it wait in the conversation's outbound mailbox. */
  retryInMs?: number;
}

/**
 * Sends a turn's replies, in order, before the turn is stored, stopping at the first one that must
 * wait. Only given to a turn when nothing of its conversation waits to be delivered before them.
 */
export type DeliverFirst = (replies: readonly TurnReply[], after: { conversationStatus: ConversationStatus }) => Promise<FirstAttempt[]>;

/** A reply message as the turn stores it. */
export interface ReplyDocument {
  _id: string;
  workspace: string;
  conversation: unknown;
  channel: string;
  account: string;
  user: string;
  sender: string;
  /** An agent's display name (agents' replies are stored outside the turns, core/agents/takeover.ts). */
  senderName?: string | null;
  order: number;
  text?: string | null;
  choices?: { id: string; label: string }[] | null;
  form?: unknown;
  status: string;
  attempts?: number | null;
  createdAt?: Date | null;
  platformId?: string | null;
}
