import { z } from 'zod';
import { eventTypes } from '../event-types.js';
import { durationPattern } from '../privacy/duration.js';
import { openingHoursSchema } from '../agents/opening-hours.js';
import { checkAllowEntry } from '../net/address-policy.js';
import { apiKeySchema } from '../http/api-key-schema.js';

/** Ids that appear in URLs and stored documents: short, lowercase, URL-safe. */
const idSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lowercase id of letters, digits, "-" or "_" (at most 63 characters)');

/** The fields every channel account has; each adapter extends this with its own schema. */
export const channelAccountSchema = z.looseObject({
  account: idSchema,
  /** Lower the platform's default outbound limits for this account (replies wait in the queue instead). */
  rateLimit: z
    .strictObject({
      perSecond: z.number().positive().max(1000).optional(),
      perChatPerSecond: z.number().positive().max(100).optional(),
    })
    .optional(),
});

const textsSchema = z.strictObject({
  /** What the bot answers until flows exist. */
  autoReply: z.string().min(1).max(4096).default('Thanks for your message! We will get back to you shortly.'),
  /** Answered when someone leaves their details in the offline form (no agent online). */
  offlineReceived: z.string().min(1).max(1000).default('Thank you! We will get back to you as soon as we can.'),
  /** Sent on every channel when an agent takes the conversation; `{name}` is the agent's display name (never their e-mail). */
  agentJoined: z.string().min(1).max(1000).default('{name} joined the chat.'),
  /** A handoff outside opening hours; `{opens}` is when people answer next ("tomorrow 09:00"). */
  closedUntil: z
    .string()
    .min(1)
    .max(1000)
    .default('We are closed right now and will answer from {opens}. Leave us a message here and we will get back to you.'),
  /** The same, when the hours name no opening in the next two weeks. */
  closed: z.string().min(1).max(1000).default('We are closed right now. Leave us a message here and we will get back to you.'),
  /**
   * Optional: on the messengers, a line after a handoff saying where the contact stands in the
   * team's queue, `{position}` being 1 for next ("You are number {position} in line."). The widget
   * shows the place itself.
   */
  queuePosition: z.string().min(1).max(1000).optional(),
  /** Nobody of the team came online within `routing.offlineAfterMinutes`. */
  noAgent: z.string().min(1).max(1000).default('Nobody is free to answer right now. Leave us a message here and we will get back to you.'),
});

const keywordList = z
  .array(
    z
      .string()
      .min(1)
      .max(40)
      .transform((k) => k.trim().toLowerCase()),
  )
  .min(1);

/** What the workspace tells people about their data, and how they say stop. */
const retentionAfter = z.string().regex(durationPattern, 'expected a duration such as 90d, 12mo or 2y');
/** `12mo`, or `{ after: 12mo, action: anonymise }`: what happens to data of a kind once it is that old. */
const retentionRule = z.union([
  retentionAfter.transform((after) => ({ after, action: 'delete' as const })),
  z.strictObject({ after: retentionAfter, action: z.enum(['delete', 'anonymise']).default('delete') }),
]);
export type RetentionRule = z.output<typeof retentionRule>;
/** The kinds a channel may keep for a different period than its workspace. */
const channelRetention = z.strictObject({
  conversations: retentionRule.optional(),
  leads: retentionRule.optional(),
  contacts: retentionRule.optional(),
  consents: retentionRule.optional(),
});
/**
 * How long each kind of data is kept, per workspace, with overrides per channel; a kind without
 * a rule is kept until erased. `conversations` go with their messages (counted from the last
 * one), media, platform refs, flow state and timers; `contacts` are those left without
 * conversations; `consents` are the ledger's proof (anonymising keeps the proof, not the person).
 */
const retentionSchema = channelRetention.extend({
  requests: retentionRule.optional(),
  audit: retentionRule.optional(),
  channels: z.record(idSchema, channelRetention).default({}),
});
export type RetentionConfig = z.output<typeof retentionSchema>;

/** A redaction pattern must compile and must not match an empty text (it would insert its replacement everywhere). */
function checkPattern(pattern: string, ctx: z.RefinementCtx): void {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'gi');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `expected a regular expression: ${(err as Error).message}` });
    return;
  }
  if (regex.test('')) ctx.addIssue({ code: 'custom', message: 'expected a pattern that matches something (this one matches an empty text)' });
}

const privacySchema = z.strictObject({
  /** The business's privacy policy, linked from the notice. */
  policyUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  /**
   * Shown on first contact on every channel (the widget shows it on first open). `{policyUrl}`
   * in the text is replaced by the link. Change `version` whenever the text changes: people
   * are shown the new text once, and the ledger records which version they saw.
   */
  notice: z
    .strictObject({
      version: z.string().min(1).max(40),
      text: z.string().min(1).max(1000),
    })
    .optional(),
  /** Store the peer's IP address with consent proof (off: IP addresses are personal data). */
  storeIp: z.boolean().default(false),
  /**
   * Removed from what people write before anything stores, queues, logs or shows it to a flow:
   * payment-card numbers always (Luhn-valid, 13–19 digits), and these patterns (regular
   * expressions, case-insensitive; an IBAN, a national id), each replaced by `[name removed]`.
   * `reply`: answered (once per message) when something was removed, e.g. asking people not to
   * send card data here.
   */
  redaction: z
    .strictObject({
      patterns: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'expected a short lower-case name such as "iban"'),
            pattern: z.string().min(1).max(500).superRefine(checkPattern),
          }),
        )
        .default([]),
      reply: z.string().min(1).max(1000).optional(),
    })
    .prefault({}),
  retention: retentionSchema.optional(),
  /**
   * Keys the pseudonyms that stand for a person in the request log, the audit log and anonymised
   * consent proof (HMAC-SHA256), so nobody without it can test a guessed identifier against them.
   */
  pseudonymKey: z.string().min(16, 'expected at least 16 characters').optional(),
  /** What erasing a person does to their consent proof: kept under a pseudonym (Art. 7(1): consent must stay provable), or deleted. */
  erasure: z.strictObject({ consentProof: z.enum(['pseudonymise', 'delete']).default('pseudonymise') }).prefault({}),
  /** Whole messages (any case) that withdraw or give back consent to receive messages on the channel. */
  keywords: z
    .strictObject({
      stop: keywordList.default(['stop', 'unsubscribe']),
      start: keywordList.default(['start']),
    })
    .prefault({}),
  texts: z
    .strictObject({
      stopped: z.string().min(1).max(1000).default('You will get no more messages from us here. Send START to chat again.'),
      started: z.string().min(1).max(1000).default('Welcome back! You can chat with us again.'),
    })
    .prefault({}),
});
export type PrivacyConfig = z.infer<typeof privacySchema>;

/** Where e-mail goes out: an SMTP relay (the deployment's, or a workspace's own). */
const smtpSchema = z.strictObject({
  host: z.string().min(1),
  // A string too, so `${SMTP_PORT:-587}` works.
  port: z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)], { error: 'expected a port number' })
    .pipe(z.number().int().min(1).max(65535))
    .default(587),
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  secure: z.boolean().default(false),
  user: z.string().min(1).optional(),
  pass: z.string().min(1).optional(),
});
const emailAddress = z.email({ error: 'expected an e-mail address' });

/** E-mail of one workspace (core/email/): offline messages and leads to the business, transcripts to contacts, notices to the team. */
const workspaceEmailSchema = z.strictObject({
  /** Its own relay; without it, the deployment's `email.smtp`. */
  smtp: smtpSchema.optional(),
  /** The sender; without it, the deployment's `email.from`. */
  from: emailAddress.optional(),
  /** The business's address: `Reply-To` of transcripts, and where leads and offline messages go unless `notify` says otherwise. */
  replyTo: emailAddress,
  /** Where leads and offline messages go (default `replyTo`). */
  notify: emailAddress.optional(),
  /** Send the business a transcript of every conversation an agent or the bot closes. */
  copyOnClose: z.boolean().default(false),
});

/** A team of agents (config `teams`): handoffs name it, agents belong to one or more (core/agents/routing.ts). */
const teamSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(100).optional(),
  /** `auto` hands a waiting conversation to an online member with free capacity; `manual`: members pick from the queue. */
  assignment: z.enum(['auto', 'manual'], { error: 'expected "auto" or "manual"' }).default('manual'),
  /** When this team answers; without it, the workspace's `hours`. */
  hours: openingHoursSchema.optional(),
});

/** How handed-off conversations reach agents. */
const routingSchema = z.strictObject({
  /** Most open conversations an agent holds at once, unless their own capacity says otherwise. */
  capacity: z.number().int().min(1).max(100).default(5),
  /** A console with no keyboard or pointer use for this long shows its agent `away`. */
  idleAfterMinutes: z.number().int().min(1).max(240).default(5),
  /** A conversation waiting this long is e-mailed to its team's members (once; needs the workspace's `email`). */
  notifyAfterMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  /** A conversation waiting this long with nobody of its team online takes the offline path (`texts.noAgent`; the next message becomes a lead). */
  offlineAfterMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  /** A conversation nobody took for this long goes back to the bot, which picks up after the handoff. */
  botAfterMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .optional(),
});

export const workspaceSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(200),
  texts: textsSchema.prefault({}),
  privacy: privacySchema.prefault({}),
  /**
   * The workspace's chatbot: flow files (a folder or file, relative to this config file) and the
   * flow new conversations start in. Without it the bot answers `texts.autoReply`.
   */
  flows: z.strictObject({ path: z.string().min(1), start: z.string().min(1) }).optional(),
  /**
   * Keys for this workspace's admin API (`Authorization: Bearer <key>`): leads, handing
   * conversations back. Put them in the environment (`- ${SHOP_API_KEY}`), or give their
   * SHA-256 with the scopes they need (`- { sha256: …, scopes: [read] }`). A key may belong to
   * one workspace only.
   */
  apiKeys: z.array(apiKeySchema).default([]),
  /**
   * Values flows may use as `{{ secrets.NAME }}` in http nodes only (e.g. a shop API token);
   * put them in the environment: `shop_api: ${SHOP_API_TOKEN}`.
   */
  secrets: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), z.string()).default({}),
  /**
   * What the workspace's outbound calls (flow `http` nodes, `crm`, `events`, the api channel's
   * webhook) may reach besides public addresses: host names (`orders.internal`, `*.corp.example`,
   * trusted whatever they resolve to), addresses and CIDR ranges (`10.1.0.0/16`). Loopback,
   * private, link-local, CGNAT and other non-public addresses are refused otherwise (core/net/).
   */
  outbound: z
    .strictObject({
      allow: z
        .array(
          z.string().superRefine((entry, ctx) => {
            const problem = checkAllowEntry(entry);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          }),
        )
        .default([]),
    })
    .prefault({}),
  /** Where each new lead is POSTed (JSON, signed like the api channel), retried until it is accepted. */
  crm: z
    .strictObject({
      webhookUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
      secret: z.string().min(16, 'expected a secret of at least 16 characters'),
    })
    .optional(),
  /**
   * Where conversation events are POSTed (JSON, signed like the CRM webhook), retried through the
   * queue: `conversation.created`, `message.created`, `conversation.handoff`, `conversation.assigned`,
   * `conversation.closed` (all of them unless `types` names some).
   */
  events: z
    .strictObject({
      webhookUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
      secret: z.string().min(16, 'expected a secret of at least 16 characters'),
      types: z
        .array(z.enum(eventTypes))
        .min(1)
        .default([...eventTypes]),
    })
    .optional(),
  /** Channel id → its accounts. Each adapter validates its own account fields. */
  channels: z.record(idSchema, z.array(channelAccountSchema)).default({}),
  teams: z
    .array(teamSchema)
    .default([])
    .superRefine((teams, ctx) => {
      const seen = new Set<string>();
      teams.forEach((team, i) => {
        if (seen.has(team.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `team "${team.id}" is declared twice` });
        seen.add(team.id);
      });
    }),
  routing: routingSchema.prefault({}),
  /** When people answer handoffs (teams may have their own); without it, always. Outside them a handoff takes the offline path. */
  hours: openingHoursSchema.optional(),
  email: workspaceEmailSchema.optional(),
});
export type WorkspaceConfig = z.infer<typeof workspaceSchema>;

const durationMs = z.number().int().min(1);

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      // A string too, so `${PORT:-3000}` works.
      port: z
        .union([z.number(), z.string().regex(/^\d+$/).transform(Number)], { error: 'expected a port number' })
        .pipe(z.number().int().min(0).max(65535, 'expected a port number up to 65535'))
        .default(3000),
      /** Largest webhook body accepted, in bytes; larger ones get 413. */
      bodyLimitBytes: z
        .number()
        .int()
        .min(1024)
        .max(10 * 1024 * 1024)
        .default(64 * 1024),
      /**
       * Reverse proxies in front of the hub whose X-Forwarded-For is believed (0: none, the peer's
       * address is the client's). Limits per client address (widget sockets, sign-in, failed API
       * keys) count what this gives, so set it to exactly the number of proxies you run.
       */
      trustProxy: z.number().int().min(0).max(10).default(0),
      /**
       * When set, `GET /metrics` answers only `Authorization: Bearer <token>` (401 otherwise): its
       * figures (workspaces, queue depths, overdue privacy requests) are not for everyone. From the
       * environment: `metricsToken: ${SWITCHBOARD_METRICS_TOKEN:-}` (empty: no token, open as before).
       */
      metricsToken: z
        .string()
        .optional()
        .transform((t) => (t === '' ? undefined : t))
        .pipe(z.string().min(16, 'expected a token of at least 16 characters (or leave it empty for none)').optional()),
    })
    .prefault({}),
  /** Agents' sign-in to the console and the admin API (core/agents/). */
  console: z
    .strictObject({
      /** A session ends after this many minutes without a request. */
      sessionIdleMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(30),
      /** Wrong passwords in a row that lock an account, and for how long. */
      lockout: z
        .strictObject({
          failures: z.number().int().min(3).max(100).default(10),
          minutes: z
            .number()
            .int()
            .min(1)
            .max(24 * 60)
            .default(15),
        })
        .prefault({}),
      /** Sign-in attempts per client address per 15 minutes, whatever the account (guessing across accounts). */
      attemptsPerAddress: z.number().int().min(5).max(10_000).default(50),
      /** Wrong API keys per client address per 15 minutes; past it the address is refused (429) until the window passes, even with a right key. */
      keyFailuresPerAddress: z.number().int().min(3).max(10_000).default(20),
      /** Send the session cookie over HTTPS only (`Secure`). Default: when the request came over HTTPS; set true behind a TLS-terminating proxy. */
      secureCookie: z.boolean().optional(),
      /**
       * Whose admins may open the queue board (`/api/queues`): it shows every workspace's jobs, so by
       * default only a hub with one workspace has it; name the operator's own workspace to allow it.
       */
      queueBoardWorkspace: idSchema.optional(),
    })
    .prefault({}),
  mongodb: z
    .strictObject({
      /** Leave empty to use $MONGODB_URI, or the embedded FerretDB when that is unset too. */
      uri: z.string().optional(),
      /** Where the embedded FerretDB keeps its files. */
      dataDir: z.string().default('.data/ferretdb'),
    })
    .prefault({}),
  redis: z
    .strictObject({
      /** Leave empty to use $REDIS_URL, or redis://127.0.0.1:6379. */
      url: z.string().optional(),
      /** Key prefix of every queue, so several hubs can share one Redis. */
      prefix: idSchema.default('sb'),
    })
    .prefault({}),
  pipeline: z
    .strictObject({
      /**
       * Conversations each worker process handles at once (inbound turns, and deliveries waiting
       * for a retry, each up to this many). A conversation is always handled by one worker at a
       * time, in order; different conversations run in parallel, so one waiting on a slow
       * platform or flow `http` call holds up no other.
       */
      concurrency: z.number().int().min(1).max(1000).default(64),
      /**
       * With several workspaces: how many turns of one workspace may be at the database at once
       * in each process (their reads and commit, not a flow's `http` call). One workspace's burst
       * then waits behind itself, not in front of the others.
       */
      databasePerWorkspace: z.number().int().min(1).max(1000).default(2),
      /**
       * With several workspaces: turns at the database at once in each process, shared fairly
       * (a workspace alone may use up to `databasePerWorkspace` of them; several busy ones share
       * them in turn). Raise it for a MongoDB that serves many writes in parallel; FerretDB
       * writes one at a time.
       */
      databaseConcurrency: z.number().int().min(1).max(1000).default(2),
      /** No longer used (order is kept per conversation now, not per shard); accepted so older configs still load, with a warning at start. */
      shards: z.number().int().min(1).max(256).optional(),
      outboundAttempts: z.number().int().min(1).max(50).default(8),
      outboundBackoffMs: durationMs.default(1000),
      /** When worker processes apply the retention policy (a cron pattern, server time; one sweep at a time across processes). */
      retentionSchedule: z.string().min(9).default('30 3 * * *'),
      /** How long a worker's lease on a conversation (and its job's lock) lasts unrenewed: a crashed worker's conversations are taken over after about this long. */
      lockMs: durationMs.default(10_000),
    })
    .prefault({}),
  /** Serves the demo shop's endpoints (an order-status API the example flow calls). */
  /** The deployment's mail relay and sender, for workspaces with `email` (each may have its own). */
  email: z.strictObject({ smtp: smtpSchema.optional(), from: emailAddress.optional() }).optional(),
  demo: z.boolean().default(false),
  workspaces: z.array(workspaceSchema).min(1, 'expected at least one workspace'),
});
export type Config = z.infer<typeof configSchema>;
