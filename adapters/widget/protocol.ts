/**
 * The widget's WebSocket protocol: one JSON object per frame, `t` says what it is.
 * Documented for people in README.md ("Protocol"); the client is in client/.
 */
import { z } from 'zod';
import type { Choice, FormSpec } from '../../core/message.js';

/** A client-generated id (a UUID): the message's platform id, so a resend after a reconnect is deduped by the core. */
const clientId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'expected an id of 8 to 64 letters, digits, "-" or "_"');
const fieldValue = z.string().max(2000);
/** A conversation's id as the hub names it in `history` and `msg` frames. */
const conversationId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const clientFrameSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('msg'), id: clientId, text: z.string().trim().min(1).max(4000) }),
  z.strictObject({ t: z.literal('choice'), id: clientId, choice: z.string().min(1).max(200), text: z.string().max(200).optional() }),
  z.strictObject({
    t: z.literal('form'),
    id: clientId,
    form: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    fields: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/), fieldValue).refine((f) => Object.keys(f).length <= 30, 'too many fields'),
    consent: z.strictObject({ purpose: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/), granted: z.boolean(), text: z.string().max(1000).optional() }).optional(),
  }),
  /** The notice was shown (granted: true), or the marketing checkbox was ticked or withdrawn. */
  z.strictObject({ t: z.literal('consent'), id: clientId, purpose: z.enum(['notice', 'marketing']), granted: z.boolean() }),
  /** The visitor is typing (the client sends it at most once in 3 s): the agents' consoles say so. Carries nothing of the text. */
  z.strictObject({ t: z.literal('typing') }),
  /** E-mail me this conversation (the widget's menu), to the address the visitor typed and confirmed: acknowledged, or refused with `invalid`. */
  z.strictObject({ t: z.literal('transcript'), id: clientId, email: z.string().trim().min(3).max(254) }),
  /** Where the visitor stands in line while people have the conversation waiting (the client asks every 15 s): answered with a `queue` frame. */
  z.strictObject({ t: z.literal('queue') }),
  /**
   * Catch up: everything of the open conversation after position `after` (a message's `order`).
   * `conv` is the conversation those positions belong to: when another one is open now (the old one
   * was closed meanwhile), positions start again, so the hub sends the new one from its start.
   */
  z.strictObject({ t: z.literal('sync'), after: z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER), conv: conversationId.optional() }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

/** One message as the widget shows it (history and live pushes alike). */
export interface WireMessage {
  id: string;
  /** Position in the conversation; absent on the echo of a visitor's own message before the hub routed it. */
  order?: number;
  /** The conversation `order` counts in (a new conversation starts counting again). */
  conv?: string;
  dir: 'in' | 'out';
  sender: 'contact' | 'bot' | 'agent' | 'system';
  /** An agent's display name (shown above their messages). */
  name?: string;
  /** For the visitor's own messages: the client id it was sent with. */
  cid?: string;
  text?: string;
  choices?: Choice[];
  form?: FormSpec;
  at: string;
}

/** The conversation's status as the widget needs it: `waiting` = handed off to people (the `queue` frame says whether anyone is there). */
export type WireStatus = 'none' | 'bot' | 'waiting' | 'agent' | 'closed';

export type ServerFrame =
  /**
   * `visitor`: the token to keep; `visitorExpiresInMs`: how long the hub still accepts it (the browser
   * drops it then); `newVisitor`: a new id was issued (first visit, or the old token's lifetime was
   * over), so what the browser remembers about the previous one (notice shown, pre-chat sent) is void.
   */
  | { t: 'hello'; visitor: string; visitorExpiresInMs: number; newVisitor: boolean; config: WidgetClientConfig }
  /** `more`: the page was full, ask again after its last message. `conv`: the open conversation. */
  | { t: 'history'; messages: WireMessage[]; status: WireStatus; more: boolean; conv?: string }
  | { t: 'msg'; m: WireMessage; status?: WireStatus }
  | { t: 'ack'; id: string }
  /** An agent is typing: the widget shows its typing dots for a few seconds. */
  | { t: 'typing' }
  /**
   * The answer to a `queue` frame: `position` in line (1 = next) while the conversation waits for
   * people, or none; `offline` when nobody will answer soon, so the widget offers its offline form;
   * `waitMinutes`, a rough wait (the team's median time to a first reply lately).
   */
  | { t: 'queue'; position?: number; offline?: boolean; waitMinutes?: number }
  | { t: 'error'; code: 'invalid' | 'rate_limited' | 'internal'; message: string; id?: string; retryAfterMs?: number };

/** What the browser needs to draw the widget; sent in `hello` (no secrets in it). */
export interface WidgetClientConfig {
  title: string;
  greeting?: string;
  color: string;
  position: 'right' | 'left';
  notice?: { version: string; text: string; policyUrl?: string };
  marketing?: { text: string; version: string };
  prechat?: FormSpec;
  offline: FormSpec;
  /** The menu offers to e-mail the conversation (the workspace sends e-mail). */
  transcript?: boolean;
  texts: Record<string, string>;
}
