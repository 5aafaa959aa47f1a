/** What the console's API answers (docs/console-api.md). */

export type View = 'mine' | 'waiting' | 'open' | 'closed';
export type Status = 'bot' | 'waiting' | 'agent' | 'closed';
export type Sender = 'contact' | 'bot' | 'agent' | 'system';

/** The signed-in agent, as sign-in and `/console/api/me` answer. */
export interface Agent {
  id: string;
  workspace: string;
  role: 'agent' | 'admin' | 'owner';
  displayName: string;
}

/** A colleague, as `/api/agents` lists them (for transfers). */
export interface AgentName {
  id: string;
  displayName: string;
  role: Agent['role'];
}

export type Presence = 'online' | 'away' | 'offline';

/** A colleague as `/api/agents` lists them: teams, capacity, load and presence. */
export interface Colleague extends AgentName {
  teams: string[];
  capacity: number;
  ownCapacity: boolean;
  open: number;
  presence: Presence;
}

export interface Team {
  id: string;
  name: string;
  assignment: 'auto' | 'manual';
}

/** One account as the channels page lists it (`GET /api/channels`, admins). */
export interface ChannelAccount {
  channel: string;
  account: string;
  transport?: string;
  lastEventAt?: string;
  lastError?: { at: string; reason: string };
  intake?: { mode: 'webhook' | 'polling' | 'socket'; registered?: boolean; detail?: string };
  session?: { linked: boolean; state?: string };
  linkable: boolean;
}

/** One e-mail of the log (`GET /api/emails`, admins). */
export interface EmailRow {
  id: string;
  kind: 'lead' | 'transcript' | 'close-copy' | 'waiting';
  to: string;
  status: 'queued' | 'sent' | 'failed';
  attempts: number;
  error?: string;
  createdAt: string;
  sentAt?: string;
}

/** A line of the linking stream (`POST /api/channels/:channel/:account/link`). */
export interface LinkLine {
  qr?: { size: number; modules: string };
  done?: string;
  error?: string;
}

/** The handoff figures of the last days (`GET /api/figures`, admins). */
export interface Figures {
  windowDays: number;
  teams: {
    team: string;
    name: string;
    firstReply: { count: number; p50Seconds?: number; p95Seconds?: number };
    abandoned: number;
    queue: { length: number; oldestWaitSeconds?: number };
  }[];
  agents: { id: string; displayName: string; handled: number; open: number }[];
}

/** An agent's presence changed (their heartbeat or toggle). */
export interface PresenceEvent {
  t: 'presence';
  agent: string;
  presence: Presence;
}

/** Where a transfer sends a conversation: to one agent, or to a team's queue. */
export type TransferTarget = { agent: string } | { team: string };

/** What `/shortcut` expands to in the composer. */
export interface CannedReply {
  shortcut: string;
  text: string;
}

export interface Summary {
  id: string;
  channel: string;
  account: string;
  status: Status;
  contact: { name?: string };
  assignee?: { id: string; name?: string };
  team?: string;
  lastMessage?: { text?: string; sender: Sender; at: string };
  lastMessageAt?: string;
  waitingSince?: string;
  unread?: number;
  restricted?: boolean;
}

export interface Message {
  id: string;
  sender: Sender;
  senderName?: string;
  text?: string;
  choice?: string;
  media?: { kind: string; name?: string }[];
  status: 'received' | 'processed' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'dropped';
  error?: string;
  at: string;
}

export interface Note {
  id: string;
  author: { id: string; name?: string };
  text: string;
  at: string;
}

export interface ConversationEvent {
  kind: string;
  actor: string;
  at: string;
}

export interface Contact {
  name?: string;
  identities?: string[];
  typed?: Record<string, string>;
  leads?: { form: string; fields: Record<string, unknown>; at: string }[];
  consent?: { purpose: string; granted: boolean; at: string }[];
  noticeSeen?: string;
}

export interface ConversationDetail {
  conversation: Summary;
  messages: Message[];
  notes: Note[];
  events: ConversationEvent[];
  contact: Contact;
}

/** Someone is typing in a conversation: its contact, or an agent (core/console/typing-event.ts). */
export type TypingEvent =
  { t: 'typing'; conversation: string; who: 'contact' } | { t: 'typing'; conversation: string; who: 'agent'; agent: { id: string; name?: string } };

/** A frame of `/console/ws`. */
export type LiveEvent = { t: 'conversation'; conversation: Summary } | TypingEvent | PresenceEvent;
