import { z } from 'zod';
import { requestKinds } from '../../store/privacy-request.js';
import { presences } from '../../agents/presence.js';
import { ApiDescription } from './describe.js';

/**
 * Every route of the admin API and the console's sign-in, described once: each entry is the
 * middleware that checks the route's input against its schema, and /api/openapi.json is built
 * from the same entries (core/http/api/describe.ts). test/core/openapi.test.ts fails for a route
 * the routers serve without an entry here.
 */
export const api = new ApiDescription();

const date = z.string().meta({ format: 'date-time' });
const identifier = z
  .string({ error: 'expected {"identifier": "email:…" | "phone:…" | "<channel>:<account>:<user id>" | "visitor:…"}' })
  .min(1, 'expected {"identifier": "email:…" | "phone:…" | "<channel>:<account>:<user id>" | "visitor:…"}');
const identity = z.object({
  identity: z.string(),
  linkedBy: z.string(),
  conversations: z.number(),
  messages: z.number(),
  leads: z.number(),
  consents: z.number(),
  flags: z.array(z.string()),
});
const confirmation = { 409: 'it changes data: the same request with "confirm": true does it (the answer lists what it would touch)', 404: 'nobody found' };
const changing = z.object({ identifier, confirm: z.boolean().optional() });
/** What an agent writes (a reply, a note, a canned reply): trimmed, 1 to 4096 characters. */
const textMessage = 'expected {"text": "…"} of 1 to 4096 characters';
const text = z.string({ error: textMessage }).trim().min(1, textMessage).max(4096, textMessage);
const receipt = z.record(z.string(), z.unknown()).describe('what was done, per store');

export const agentBody = z.object({ id: z.string(), workspace: z.string(), role: z.enum(['owner', 'admin', 'agent']), displayName: z.string().optional() });

/** A conversation as the inbox lists it (core/agents/inbox-summary.ts). */
const summary = z.object({
  id: z.string(),
  channel: z.string(),
  account: z.string(),
  status: z.enum(['bot', 'waiting', 'agent', 'closed']),
  contact: z.object({ name: z.string().optional() }),
  assignee: z.object({ id: z.string(), name: z.string().optional() }).optional(),
  team: z.string().optional(),
  lastMessage: z.object({ text: z.string(), sender: z.string(), at: date }).optional(),
  lastMessageAt: date.optional(),
  waitingSince: date.optional(),
  unread: z.number(),
});
const conversationErrors = { 404: 'no such conversation in this workspace' };

/** A colleague as the console lists them (core/agents/routing.ts). */
const routedAgent = z.object({
  id: z.string(),
  displayName: z.string(),
  role: z.enum(['owner', 'admin', 'agent']),
  teams: z.array(z.string()),
  capacity: z.number().describe('most open conversations at once'),
  ownCapacity: z.boolean().describe("false: the workspace's `routing.capacity`"),
  open: z.number().describe('open conversations they hold now'),
  presence: z.enum(presences),
});
const team = z.object({ id: z.string(), name: z.string(), assignment: z.enum(['auto', 'manual']) });

export const routes = {
  openapi: api.route({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This description',
    audience: 'public',
    response: z.record(z.string(), z.unknown()),
  }),

  signIn: api.route({
    method: 'post',
    path: '/console/api/sign-in',
    summary: 'Sign an agent in: sets the session cookie (httpOnly, SameSite=Strict)',
    audience: 'public',
    body: z.object({
      email: z.string({ error: 'expected {"email", "password"} (and "workspace" when the hub has several)' }),
      password: z.string({ error: 'expected {"email", "password"} (and "workspace" when the hub has several)' }),
      workspace: z.string().optional(),
      code: z.string().optional().describe("the authenticator app's one-time code, for an agent with a second factor"),
    }),
    response: z.object({ agent: agentBody }),
    errors: {
      401: '`unauthorized`: wrong e-mail, password or code; `code_required`: the password is right, a one-time code is needed',
      423: 'locked after too many wrong passwords',
      429: 'too many attempts from this address',
    },
  }),
  signOut: api.route({
    method: 'post',
    path: '/console/api/sign-out',
    summary: 'End the session',
    audience: 'any',
    response: z.object({ signedOut: z.literal(true) }),
  }),
  me: api.route({
    method: 'get',
    path: '/console/api/me',
    summary: 'The signed-in agent',
    audience: 'any',
    response: z.object({ agent: z.object({ agent: z.string(), workspace: z.string(), role: z.string() }).loose() }),
  }),

  inbox: api.route({
    method: 'get',
    path: '/api/conversations',
    summary: 'The inbox: a page of a view (mine, waiting, open, closed), optionally of one channel or team; `next` is the cursor of the page after',
    audience: 'any',
    query: z.object({
      view: z.enum(['mine', 'waiting', 'open', 'closed']).optional(),
      channel: z.string().optional(),
      team: z.string().optional(),
      before: z.string().optional(),
      limit: z.string().regex(/^\d+$/, 'expected a number').optional(),
    }),
    response: z.object({ conversations: z.array(summary), next: z.string().optional() }),
  }),
  conversation: api.route({
    method: 'get',
    path: '/api/conversations/:id',
    summary: 'One conversation: its summary, messages (with delivery state), notes, events and the contact panel',
    audience: 'any',
    response: z.object({
      conversation: summary.loose(),
      messages: z.array(z.record(z.string(), z.unknown())),
      notes: z.array(z.record(z.string(), z.unknown())),
      events: z.array(z.record(z.string(), z.unknown())),
      contact: z.record(z.string(), z.unknown()),
    }),
    errors: conversationErrors,
  }),
  note: api.route({
    method: 'post',
    path: '/api/conversations/:id/notes',
    summary: 'An internal note: stored with the conversation, never sent to the contact',
    audience: 'agent',
    body: z.object({
      text,
    }),
    response: z.record(z.string(), z.unknown()),
    errors: conversationErrors,
  }),
  read: api.route({
    method: 'post',
    path: '/api/conversations/:id/read',
    summary: 'The agent read it: its unread count goes to 0',
    audience: 'any',
    response: z.object({ id: z.string() }).loose(),
    errors: conversationErrors,
  }),
  reopen: api.route({
    method: 'post',
    path: '/api/conversations/:id/reopen',
    summary: 'A closed conversation waits for an agent again',
    audience: 'agent',
    response: z.object({ id: z.string(), status: z.literal('waiting') }).loose(),
    errors: { ...conversationErrors, 409: 'not closed' },
  }),
  transfer: api.route({
    method: 'post',
    path: '/api/conversations/:id/transfer',
    summary: "Pass it to another agent (theirs at once; the contact is told who joined) or to a team's queue (it waits again)",
    audience: 'agent',
    body: z
      .object({
        agent: z.string().optional().describe('an agent id (GET /api/agents)'),
        team: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a team id')
          .optional(),
      })
      .refine((b) => Boolean(b.agent) !== Boolean(b.team), 'expected {"agent": "<agent id>"} or {"team": "<team id>"}'),
    response: z.object({ id: z.string(), status: z.enum(['agent', 'waiting']), assignee: z.string().optional(), team: z.string().optional() }),
    errors: {
      403: 'only the agent who has it, or an admin',
      404: 'no such conversation or agent in this workspace',
      409: 'closed, the bot’s, or theirs already',
    },
  }),
  agents: api.route({
    method: 'get',
    path: '/api/agents',
    summary: "The workspace's active agents with their teams, capacity, load and presence (never e-mail addresses)",
    audience: 'any',
    response: z.object({ agents: z.array(routedAgent), teams: z.array(team) }),
  }),
  agentRouting: api.route({
    method: 'post',
    path: '/api/agents/:id/routing',
    summary: "Set an agent's teams (declared in the workspace's config) and capacity (`null`: the workspace's default)",
    audience: 'admin',
    body: z.object({
      teams: z.array(z.string()).max(50).optional(),
      capacity: z.number().int().min(1).max(100).nullable().optional(),
    }),
    response: routedAgent,
    errors: { 400: 'a team the workspace does not declare', 404: 'no such agent in this workspace' },
  }),
  figures: api.route({
    method: 'get',
    path: '/api/figures',
    summary: 'Handoff figures of the last 7 days: time to the first agent reply (p50, p95), abandoned handoffs and the queue per team; conversations per agent',
    audience: 'admin',
    response: z.object({
      windowDays: z.number(),
      teams: z.array(
        z.object({
          team: z.string().describe('a team id, or "-" for handoffs naming none'),
          name: z.string(),
          firstReply: z.object({ count: z.number(), p50Seconds: z.number().optional(), p95Seconds: z.number().optional() }),
          abandoned: z.number().describe('handed off, and closed or back to the bot before any agent answered'),
          queue: z.object({ length: z.number(), oldestWaitSeconds: z.number().optional() }),
        }),
      ),
      agents: z.array(z.object({ id: z.string(), displayName: z.string(), handled: z.number(), open: z.number() })),
    }),
  }),
  channels: api.route({
    method: 'get',
    path: '/api/channels',
    summary: "Every account of the workspace: last message in, last delivery error, how updates arrive (webhook registered) and a linked device's session",
    audience: 'admin',
    response: z.object({
      accounts: z.array(
        z.object({
          channel: z.string(),
          account: z.string(),
          transport: z.string().optional(),
          lastEventAt: date.optional(),
          lastError: z.object({ at: date, reason: z.string() }).optional(),
          intake: z.object({ mode: z.enum(['webhook', 'polling', 'socket']), registered: z.boolean().optional(), detail: z.string().optional() }).optional(),
          session: z.object({ linked: z.boolean(), state: z.string().optional() }).optional(),
          linkable: z.boolean().describe('a WhatsApp Web account: POST …/link shows its QR code'),
        }),
      ),
    }),
  }),
  linkAccount: api.route({
    method: 'post',
    path: '/api/channels/:channel/:account/link',
    summary:
      'Link a WhatsApp Web number by QR: answers JSON lines while it runs, {"qr": {size, modules}} for each code to scan, then {"done": "linked" | "already linked"} or {"error"}',
    audience: 'admin',
    response: z.object({ qr: z.object({ size: z.number(), modules: z.string() }).optional(), done: z.string().optional(), error: z.string().optional() }),
    errors: { 404: 'no account of this workspace to link by QR' },
  }),
  emails: api.route({
    method: 'get',
    path: '/api/emails',
    summary: "The workspace's latest e-mails (transcripts, leads, notices), newest first, with how sending went",
    audience: 'admin',
    response: z.object({
      emails: z.array(
        z.object({
          id: z.string(),
          kind: z.enum(['lead', 'transcript', 'close-copy', 'waiting']),
          to: z.string(),
          conversation: z.string().optional(),
          status: z.enum(['queued', 'sent', 'failed']),
          attempts: z.number(),
          error: z.string().optional(),
          createdAt: date,
          sentAt: date.optional(),
        }),
      ),
    }),
  }),
  presence: api.route({
    method: 'post',
    path: '/api/presence',
    summary: "The console's heartbeat (`active`: the agent used it since the last one) and the agent's presence toggle (`status`)",
    audience: 'agent',
    body: z.object({ active: z.boolean().optional(), status: z.enum(presences).optional() }),
    response: z.object({ presence: z.enum(presences), heartbeatEveryMs: z.number() }),
  }),
  take: api.route({
    method: 'post',
    path: '/api/conversations/:id/take',
    summary: "Take a conversation: it is the agent's, the bot falls silent and its undelivered replies are dropped",
    audience: 'agent',
    response: z.object({ dropped: z.number().describe('bot replies that were never sent') }),
    errors: { 404: 'no such conversation in this workspace', 409: 'closed, or busy: try again' },
  }),
  reply: api.route({
    method: 'post',
    path: '/api/conversations/:id/messages',
    summary: 'The agent who took it answers; `id` makes a retried request store it once',
    audience: 'agent',
    body: z.object({
      text,
      id: z.string().max(100).optional(),
    }),
    response: z.object({ id: z.string() }),
    errors: { 404: 'no such conversation in this workspace', 409: 'not taken by this agent' },
  }),
  typing: api.route({
    method: 'post',
    path: '/api/conversations/:id/typing',
    summary:
      'The agent who has it is typing: the contact sees the channel’s typing indicator where it has one, colleagues’ consoles say so; at most once in 2.5 s per agent and conversation (more often changes nothing)',
    audience: 'agent',
    status: 202,
    response: z.object({ forwarded: z.boolean().describe("whether the contact's channel was asked to show it (false: throttled, or the channel has none)") }),
    errors: { 403: 'not taken by this agent (or an API key)', 404: 'no such conversation in this workspace' },
  }),
  handBack: api.route({
    method: 'post',
    path: '/api/conversations/:id/handback',
    summary: 'Give it back to the bot: `resume` picks up at the node that handed off, `restart` starts the flow afresh',
    audience: 'agent',
    body: z.object({ mode: z.enum(['resume', 'restart']).optional() }),
    response: z.object({ id: z.string(), status: z.literal('bot'), mode: z.literal('resume').optional() }),
    errors: { 404: 'no such conversation in this workspace', 409: 'closed, or busy' },
  }),
  close: api.route({
    method: 'post',
    path: '/api/conversations/:id/close',
    summary: "Close it; the contact's next message opens a new one",
    audience: 'agent',
    response: z.object({ id: z.string(), status: z.literal('closed') }),
    errors: { 404: 'no such conversation in this workspace' },
  }),
  leads: api.route({
    method: 'get',
    path: '/api/leads',
    summary: "The workspace's leads, newest first",
    audience: 'any',
    query: z.object({ format: z.enum(['json', 'csv']).optional(), limit: z.string().regex(/^\d+$/, 'expected a number').optional() }),
    response: z.object({
      leads: z.array(
        z.object({
          id: z.string(),
          createdAt: date,
          channel: z.string(),
          account: z.string(),
          flow: z.string(),
          form: z.string(),
          conversation: z.string(),
          fields: z.record(z.string(), z.unknown()),
          consent: z.unknown(),
        }),
      ),
    }),
    csv: true,
  }),

  cannedReplies: api.route({
    method: 'get',
    path: '/api/canned-replies',
    summary: "The workspace's canned replies: what `/shortcut` expands to in the composer",
    audience: 'any',
    response: z.object({ replies: z.array(z.object({ shortcut: z.string(), text: z.string(), updatedAt: date })) }),
  }),
  saveCannedReply: api.route({
    method: 'put',
    path: '/api/canned-replies/:shortcut',
    summary: 'Create or replace a canned reply (shortcut: lowercase letters, digits, - and _, at most 32)',
    audience: 'admin',
    body: z.object({
      text,
    }),
    response: z.object({ shortcut: z.string(), text: z.string() }),
  }),
  removeCannedReply: api.route({
    method: 'delete',
    path: '/api/canned-replies/:shortcut',
    summary: 'Remove a canned reply',
    audience: 'admin',
    response: z.object({ removed: z.literal(true) }),
    errors: { 404: 'no such shortcut' },
  }),

  find: api.route({
    method: 'post',
    path: '/api/privacy/find',
    summary: 'Find a person by any identifier: every identity of theirs and what each holds',
    audience: 'admin',
    body: z.object({ identifier }),
    response: z.object({ identities: z.array(identity) }),
    errors: { 404: 'nobody found' },
  }),
  export: api.route({
    method: 'post',
    path: '/api/privacy/export',
    summary: 'Everything held about the person, as one JSON document (docs/privacy-export.md)',
    audience: 'admin',
    body: z.object({ identifier }),
    response: z.record(z.string(), z.unknown()),
    errors: { 404: 'nobody found' },
  }),
  consents: api.route({
    method: 'post',
    path: '/api/privacy/consents',
    summary: "The person's consent state and history",
    audience: 'admin',
    body: z.object({ identifier }),
    response: z.object({ identities: z.array(z.unknown()) }),
    errors: { 404: 'nobody found' },
  }),
  erase: api.route({
    method: 'post',
    path: '/api/privacy/erase',
    summary: 'Erase the person everywhere',
    audience: 'admin',
    body: changing,
    response: receipt,
    errors: confirmation,
  }),
  restrict: api.route({
    method: 'post',
    path: '/api/privacy/restrict',
    summary: 'Restrict processing (Art. 18): the bot and the CRM leave them alone',
    audience: 'admin',
    body: changing,
    response: receipt,
    errors: confirmation,
  }),
  unrestrict: api.route({
    method: 'post',
    path: '/api/privacy/unrestrict',
    summary: 'Lift a restriction',
    audience: 'admin',
    body: changing,
    response: receipt,
    errors: confirmation,
  }),
  object: api.route({
    method: 'post',
    path: '/api/privacy/object',
    summary: 'Record an objection (Art. 21): marketing and legitimate-interest processing stop',
    audience: 'admin',
    body: changing,
    response: receipt,
    errors: confirmation,
  }),
  rectify: api.route({
    method: 'post',
    path: '/api/privacy/rectify',
    summary: 'Correct what is held (name, email, phone, locale, lead.<field>)',
    audience: 'admin',
    body: changing.extend({
      set: z.record(z.string(), z.string(), { error: 'expected "set": {"name": "…", "email": "…", "lead.<field>": "…"} with text values' }),
    }),
    response: receipt,
    errors: confirmation,
  }),
  requests: api.route({
    method: 'get',
    path: '/api/privacy/requests',
    summary: 'The request log with deadlines',
    audience: 'admin',
    query: z.object({ overdue: z.enum(['1', 'true', '0', 'false']).optional() }),
    response: z.object({ requests: z.array(z.record(z.string(), z.unknown())) }),
  }),
  logRequest: api.route({
    method: 'post',
    path: '/api/privacy/requests',
    summary: 'Log a request received (it starts its one-month deadline)',
    audience: 'admin',
    body: z.object({
      kind: z.enum(requestKinds, { error: `"kind": expected one of ${requestKinds.join(', ')}` }),
      identifier,
      receivedAt: z.string().optional(),
    }),
    response: z.object({ id: z.string() }),
  }),
  extend: api.route({
    method: 'post',
    path: '/api/privacy/requests/:id/extend',
    summary: 'Extend a deadline by two months (Art. 12(3)), with the reason',
    audience: 'admin',
    body: z.object({ reason: z.string().optional() }),
    response: z.object({ until: date }),
    errors: { 404: 'no such request' },
  }),
  audit: api.route({
    method: 'get',
    path: '/api/audit',
    summary: 'The audit log, newest first (actors, actions, pseudonymised targets; never content)',
    audience: 'admin',
    query: z.object({ since: z.string().optional(), limit: z.string().regex(/^\d+$/, 'expected a number').optional() }),
    response: z.object({
      entries: z.array(
        z.object({ id: z.string(), at: date, actor: z.string(), action: z.string(), target: z.string().optional(), details: z.unknown().optional() }),
      ),
    }),
  }),
};
