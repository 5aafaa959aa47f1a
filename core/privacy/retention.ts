import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Model } from 'mongoose';
import type { Config, RetentionRule, WorkspaceConfig } from '../config/schema.js';
import { mailboxKey, type Queues } from '../queue/queues.js';
import { ConsentEvent } from '../store/consent.js';
import { Contact } from '../store/contact.js';
import { Conversation } from '../store/conversation.js';
import { ConversationEvent } from '../store/conversation-event.js';
import { ConversationNote } from '../store/conversation-note.js';
import { Email } from '../store/email.js';
import { Lead } from '../store/lead.js';
import { Message } from '../store/message.js';
import { PlatformRef } from '../store/platform-ref.js';
import { RetentionRun } from '../store/retention-run.js';
import { AuditEntry } from '../store/audit-entry.js';
import { PrivacyRequest } from '../store/privacy-request.js';
import { privacyContract, type RetentionKind } from './contract.js';
import { audit } from './audit.js';
import { before, parseDuration } from './duration.js';
import { pseudonym } from './pseudonym.js';

/** The kinds kept per channel (a channel may override the workspace's rule). */
const sweptKinds = ['conversations', 'leads', 'contacts', 'consents'] as const satisfies readonly RetentionKind[];
/** The kinds kept per workspace: the request log and the audit log (their rows show channel `*`). */
const workspaceKinds = ['requests', 'audit'] as const satisfies readonly RetentionKind[];
type SweptKind = (typeof sweptKinds)[number] | (typeof workspaceKinds)[number];

/** One workspace channel's kind of data past its policy: how many documents, and the oldest one's date. */
export interface RetentionRow {
  workspace: string;
  channel: string;
  kind: SweptKind;
  action: RetentionRule['action'];
  /** The policy: kept for this long. */
  after: string;
  count: number;
  oldest?: Date;
  /** Conversations left for the next sweep because a turn of theirs was running. */
  busy?: number;
}

export interface RetentionOptions {
  config: Config;
  redis: Redis;
  queues: Queues;
  /** "What goes on that date": the policy is applied as if it were then (default now). */
  asOf?: Date;
  /** Documents per step (default 200); each step is a few writes, so a crash loses nothing and a live turn waits at most one step. */
  batchSize?: number;
  /** The channels' own per-person models (registry.collections().models): a removed contact's entries go too. */
  channelModels?: readonly Model<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  onProgress?: (done: number) => void;
}

/** Each workspace channel's rule for each kind: the channel's override, else the workspace's. */
function rules(workspace: WorkspaceConfig): { channel: string; kind: SweptKind; rule: RetentionRule }[] {
  const retention = workspace.privacy.retention;
  if (!retention) return [];
  const channels = new Set([...Object.keys(workspace.channels), ...Object.keys(retention.channels)]);
  const perChannel = [...channels].flatMap((channel) =>
    sweptKinds.flatMap((kind) => {
      const rule = retention.channels[channel]?.[kind] ?? retention[kind];
      return rule ? [{ channel, kind, rule }] : [];
    }),
  );
  const perWorkspace = workspaceKinds.flatMap((kind) => (retention[kind] ? [{ channel: '*', kind, rule: retention[kind] }] : []));
  return [...perChannel, ...perWorkspace];
}

interface Selection {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  model: Model<any>;
  filter: Record<string, unknown>;
  dateField: string;
}

/** What of a kind is past its policy on `asOf`; contacts under a legal hold, and their data, are never selected. */
function select(at: { workspace: string; channel: string; kind: SweptKind; rule: RetentionRule; asOf: Date; held: string[] }): Selection {
  const { workspace, channel, kind, rule, asOf, held } = at;
  const cutoff = before(asOf, parseDuration(rule.after)!);
  const notAnonymised = rule.action === 'anonymise' ? { anonymisedAt: { $exists: false } } : {};
  const notHeld = held.length ? { contact: { $nin: held } } : {};
  switch (kind) {
    case 'conversations':
      return {
        model: Conversation,
        filter: { workspace, channel, lastMessageAt: { $lt: cutoff }, legalHold: { $ne: true }, ...notHeld, ...notAnonymised },
        dateField: 'lastMessageAt',
      };
    case 'leads':
      return { model: Lead, filter: { workspace, channel, createdAt: { $lt: cutoff }, ...notHeld, ...notAnonymised }, dateField: 'createdAt' };
    case 'consents':
      return { model: ConsentEvent, filter: { workspace, channel, at: { $lt: cutoff }, ...notHeld, ...notAnonymised }, dateField: 'at' };
    case 'requests':
      // Only answered ones: an open request is kept whatever its age, until it is handled.
      return {
        model: PrivacyRequest,
        filter: { workspace, status: { $in: ['done', 'refused'] }, finishedAt: { $lt: cutoff }, ...notAnonymised },
        dateField: 'finishedAt',
      };
    case 'audit':
      return { model: AuditEntry, filter: { workspace, at: { $lt: cutoff }, ...notAnonymised }, dateField: 'at' };
    case 'contacts':
      // Contacts without an open conversation; those with older conversations left are dropped in `contactsWithout`.
      return {
        model: Contact,
        filter: { workspace, channel, updatedAt: { $lt: cutoff }, openConversation: { $exists: false }, legalHold: { $ne: true }, ...notAnonymised },
        dateField: 'updatedAt',
      };
  }
}

/** Of these contacts, the ones no conversation belongs to any more. */
async function contactsWithout(workspace: string, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const taken = new Set((await Conversation.find({ workspace, contact: { $in: ids } }, { contact: 1 }).lean()).map((c) => c.contact));
  return ids.filter((id) => !taken.has(id));
}

async function heldContacts(workspace: string): Promise<string[]> {
  return (await Contact.find({ workspace, legalHold: true }, { _id: 1 }).lean()).map((c) => c._id);
}

/**
 * A dry run: per workspace, channel and kind, how many documents are past their policy on
 * `asOf` (default now) and the oldest one's date. Changes nothing.
 */
export async function planRetention(options: Pick<RetentionOptions, 'config' | 'asOf'>): Promise<RetentionRow[]> {
  const asOf = options.asOf ?? new Date();
  const rows: RetentionRow[] = [];
  for (const workspace of options.config.workspaces) {
    const held = await heldContacts(workspace.id);
    for (const { channel, kind, rule } of rules(workspace)) {
      const { model, filter, dateField } = select({ workspace: workspace.id, channel, kind, rule, asOf, held });
      let count: number;
      let oldest: Date | undefined;
      if (kind === 'contacts') {
        const candidates = await model.find(filter, { _id: 1, [dateField]: 1 }).lean<{ _id: string; updatedAt: Date }[]>();
        const left = new Set(
          await contactsWithout(
            workspace.id,
            candidates.map((c) => c._id),
          ),
        );
        const gone = candidates.filter((c) => left.has(c._id));
        count = gone.length;
        oldest = gone.reduce<Date | undefined>((min, c) => (!min || c.updatedAt < min ? c.updatedAt : min), undefined);
      } else {
        count = await model.countDocuments(filter);
        const first = count
          ? await model
              .findOne(filter, { [dateField]: 1 })
              .sort({ [dateField]: 1 })
              .lean<Record<string, Date>>()
          : null;
        oldest = first?.[dateField];
      }
      rows.push({ workspace: workspace.id, channel, kind, action: rule.action, after: rule.after, count, ...(oldest ? { oldest } : {}) });
    }
  }
  return rows;
}

function sweptKindsOf(rows: RetentionRow[]): SweptKind[] {
  return [...new Set(rows.map((r) => r.kind))];
}

/** Thrown when another process is sweeping: one sweep at a time across all of them. */
export class SweepRunningError extends Error {
  constructor() {
    super('another retention sweep is running (one at a time across hub processes); try again when it ends');
  }
}

const lockMs = 60_000;

/**
 * Applies the retention policy: removes (or anonymises) what is past it, in batches, and stores
 * the run with its counts and errors. One sweep at a time across processes (a Redis lock). A
 * crash loses nothing: the next sweep selects what is still past the policy. A conversation whose
 * turn is running is left for the next sweep: the sweep takes the conversation's mailbox lease
 * before touching it, so no turn runs while its conversation goes.
 */
export async function runRetention(
  options: RetentionOptions & { trigger: 'schedule' | 'cli' },
): Promise<{ runId: string; rows: RetentionRow[]; errors: string[] }> {
  const { redis, config } = options;
  const asOf = options.asOf ?? new Date();
  const lockKey = `${config.redis.prefix}:retention:lock`;
  const token = randomBytes(12).toString('base64url');
  if ((await redis.set(lockKey, token, 'PX', lockMs, 'NX')) !== 'OK') throw new SweepRunningError();
  const renew = setInterval(() => void redis.pexpire(lockKey, lockMs).catch(() => undefined), lockMs / 3);
  renew.unref();
  const run = await RetentionRun.create({ asOf, trigger: options.trigger, status: 'running', startedAt: new Date() });
  const rows: RetentionRow[] = [];
  const errors: string[] = [];
  try {
    const timers = await idleTimersByConversation(options.queues);
    let done = 0;
    for (const workspace of config.workspaces) {
      const held = await heldContacts(workspace.id);
      for (const { channel, kind, rule } of rules(workspace)) {
        const row: RetentionRow = { workspace: workspace.id, channel, kind, action: rule.action, after: rule.after, count: 0 };
        try {
          await sweepKind({ ...options, asOf, held, timers, row, rule, onBatch: (n) => options.onProgress?.((done += n)) });
        } catch (err) {
          errors.push(`${workspace.id}/${channel}/${kind}: ${(err as Error).message}`);
        }
        rows.push(row);
        await RetentionRun.updateOne({ _id: run._id }, { $set: { counts: rows, errors } });
      }
    }
    // Failed jobs past their week: BullMQ itself trims them only when another job of the queue fails.
    const failedJobs = await options.queues.cleanFailed().catch((err: unknown) => (errors.push(`failed jobs: ${(err as Error).message}`), 0));
    await RetentionRun.updateOne(
      { _id: run._id },
      { $set: { status: errors.length ? 'failed' : 'done', finishedAt: new Date(), counts: rows, errors, failedJobs } },
    );
    for (const workspace of config.workspaces) {
      const mine = rows.filter((r) => r.workspace === workspace.id);
      if (!mine.length) continue;
      const removed = Object.fromEntries(sweptKindsOf(mine).map((kind) => [kind, mine.filter((r) => r.kind === kind).reduce((n, r) => n + r.count, 0)]));
      await audit({
        workspace: workspace.id,
        actor: options.trigger,
        action: 'retention.run',
        target: String(run._id),
        details: { asOf, removed, errors: errors.length },
      });
    }
    return { runId: String(run._id), rows, errors };
  } catch (err) {
    await RetentionRun.updateOne({ _id: run._id }, { $set: { status: 'failed', finishedAt: new Date(), errors: [...errors, (err as Error).message] } }).catch(
      () => undefined,
    );
    throw err;
  } finally {
    clearInterval(renew);
    await redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, lockKey, token).catch(() => undefined);
  }
}

type TimerJobs = Map<string, { remove(): Promise<void> }[]>;

/** The idle timers waiting in the `turns` queue, by conversation, so a removed conversation's timers go with it. */
async function idleTimersByConversation(queues: Queues): Promise<TimerJobs> {
  const byConversation: TimerJobs = new Map();
  for (const job of await queues.turns.getJobs(['delayed'])) {
    const conversation = job?.data.idle?.conversation;
    if (conversation) byConversation.set(conversation, [...(byConversation.get(conversation) ?? []), job]);
  }
  return byConversation;
}

async function sweepKind(
  at: RetentionOptions & { asOf: Date; held: string[]; timers: TimerJobs; row: RetentionRow; rule: RetentionRule; onBatch: (n: number) => void },
): Promise<void> {
  const { row, rule, asOf, held } = at;
  const batchSize = at.batchSize ?? defaultBatchSize;
  const { model, filter, dateField } = select({ workspace: row.workspace, channel: row.channel, kind: row.kind, rule, asOf, held });
  // Left alone this run (a running turn, a conversation still belonging to a contact): not selected again.
  const skipped: string[] = [];
  for (;;) {
    // A page of ids for many batches pays for the selection once; each batch is read back by _id.
    const query = skipped.length ? { ...filter, _id: { $nin: skipped } } : filter;
    const page = await model
      .find(query, { _id: 1, [dateField]: 1 })
      .sort({ [dateField]: 1 })
      .limit(batchSize * batchesPerPage)
      .lean<Record<string, unknown>[]>();
    if (!page.length) return;
    if (row.oldest === undefined && page[0]![dateField]) row.oldest = page[0]![dateField] as Date;
    for (let i = 0; i < page.length;) {
      // While turns run, small batches with pauses between them (see yieldFactor); flat out otherwise.
      const live = await at.queues.mailboxes.live();
      const size = live ? Math.min(batchSize, liveBatchSize) : batchSize;
      const started = performance.now();
      // Read again with the filter: one that changed since the page was read (a new message, a hold) is left.
      const ids = page.slice(i, (i += size)).map((d) => d._id);
      const batch = await model
        .find({ ...filter, _id: { $in: ids } })
        .sort({ [dateField]: 1 })
        .lean<Record<string, unknown>[]>();
      if (batch.length) {
        const handled = await sweepBatch(at, batch, skipped);
        row.count += handled;
        at.onBatch(handled);
      }
      if (live) await new Promise((resolve) => setTimeout(resolve, (performance.now() - started) * yieldFactor));
    }
  }
}

/** Conversations (or other documents) a batch handles: a few writes, so a crash loses little. */
const defaultBatchSize = 200;
/**
 * While turns run, a batch is this small, so a turn's write waits behind little (SQLite has one
 * writer at a time), and the sweep pauses `yieldFactor` times as long as the batch took, so it
 * takes at most a fifth of the database's time.
 */
const liveBatchSize = 10;
const yieldFactor = 4;
/** Ids read per selection: its date filter and sort are FerretDB's work in Go over every candidate. */
const batchesPerPage = 25;

/** Removes or anonymises one batch; resolves to how many it handled, adding the ones it left alone to `skipped`. */
async function sweepBatch(
  at: RetentionOptions & { timers: TimerJobs; row: RetentionRow; rule: RetentionRule },
  batch: Record<string, unknown>[],
  skipped: string[],
): Promise<number> {
  const { row, rule } = at;
  const ids = batch.map((d) => d._id as string);
  const anonymise = rule.action === 'anonymise';
  const now = new Date();
  const workspace = at.config.workspaces.find((w) => w.id === row.workspace)!;
  switch (row.kind) {
    case 'conversations':
      return sweepConversations(at, batch, skipped);
    case 'leads':
      if (anonymise) await Lead.updateMany({ _id: { $in: ids } }, { $set: { fields: {}, anonymisedAt: now }, $unset: { consent: 1, 'crm.error': 1 } });
      else await Lead.deleteMany({ _id: { $in: ids } });
      return ids.length;
    case 'consents':
      if (anonymise) {
        // The proof stays (purpose, answer, the text's version, when); the person becomes a pseudonym.
        for (const doc of batch) {
          await ConsentEvent.updateOne(
            { _id: String(doc._id) },
            {
              $set: { user: pseudonym(workspace, String(doc.user)), contact: pseudonym(workspace, String(doc.contact)), anonymisedAt: now },
              $unset: { 'evidence.userAgent': 1, 'evidence.ip': 1 },
            },
          );
        }
      } else await ConsentEvent.deleteMany({ _id: { $in: ids } });
      return ids.length;
    case 'requests':
    case 'audit': {
      // Both hold pseudonyms and counts only; anonymising cuts the pseudonym, the record of what was done stays.
      const model: Model<any> = row.kind === 'requests' ? PrivacyRequest : AuditEntry; // eslint-disable-line @typescript-eslint/no-explicit-any
      if (anonymise)
        await model.updateMany({ _id: { $in: ids } }, { $set: { anonymisedAt: now }, $unset: { [row.kind === 'requests' ? 'subject' : 'target']: 1 } });
      else await model.deleteMany({ _id: { $in: ids } });
      return ids.length;
    }
    case 'contacts': {
      const gone = new Set(await contactsWithout(row.workspace, ids));
      skipped.push(...ids.filter((id) => !gone.has(id)));
      const contacts = batch.filter((c) => gone.has(c._id as string));
      if (!contacts.length) return 0;
      if (anonymise) {
        for (const c of contacts) {
          await Contact.updateOne(
            { _id: String(c._id) },
            { $set: { user: pseudonym(workspace, String(c.user)), anonymisedAt: now }, $unset: { name: 1, locale: 1, email: 1, phone: 1, typed: 1 } },
          );
        }
      } else await Contact.deleteMany({ _id: { $in: contacts.map((c) => String(c._id)) } });
      // The channels' own per-address entries (a Bot Framework conversation reference) go with the contact.
      for (const model of at.channelModels ?? []) {
        if (!model.schema.path('user') || !model.schema.path('account')) continue;
        for (const c of contacts) await model.deleteMany({ workspace: row.workspace, account: c.account, user: c.user });
      }
      return contacts.length;
    }
  }
}

/**
 * Conversations go with their messages, platform refs, flow state (on the conversation) and idle
 * timers; each is taken out of its turns' way first by holding its address's inbound mailbox.
 */
async function sweepConversations(
  at: RetentionOptions & { timers: TimerJobs; row: RetentionRow; rule: RetentionRule },
  batch: Record<string, unknown>[],
  skipped: string[],
): Promise<number> {
  const { queues, row, rule } = at;
  const token = randomBytes(12).toString('base64url');
  const all = batch.map((c) => {
    const address = { workspace: row.workspace, channel: row.channel, account: String(c.account), user: String(c.user) };
    return { id: String(c._id), key: mailboxKey(address), address };
  });
  // Concurrently, so the batch's Redis round trips overlap (one connection pipelines them). Once a
  // mailbox: an address's older conversations share it with its newer one (a second acquire would fail).
  const keys = [...new Map(all.map((c) => [c.key, c.address])).entries()];
  const acquired = await Promise.all(keys.map(([key]) => queues.mailboxes.acquire('in', key, token, lockMs)));
  const heldKeys = keys.filter((_, i) => acquired[i] === true);
  const isHeld = new Set(heldKeys.map(([key]) => key));
  const held = all.filter((c) => isHeld.has(c.key));
  for (const c of all.filter((c) => !isHeld.has(c.key))) {
    skipped.push(c.id);
    row.busy = (row.busy ?? 0) + 1;
  }
  if (!held.length) return 0;
  try {
    const ids = held.map((h) => h.id);
    // With the workspace, so the filters match the indexes' leading field (and FerretDB answers them from it).
    const ofThem = { workspace: row.workspace, conversation: { $in: ids } };
    if (rule.action === 'anonymise') {
      await Message.updateMany(ofThem, { $unset: { text: 1, choiceId: 1, media: 1, fields: 1, form: 1, error: 1 } });
      // The inbox's preview is a message's text; agents' notes are about the person: both go with the contents.
      await Conversation.updateMany({ _id: { $in: ids } }, { $unset: { botState: 1, botPrevState: 1, lastText: 1 }, $set: { anonymisedAt: new Date() } });
      await ConversationNote.deleteMany(ofThem);
      // The e-mail log names the person's address: it goes with the contents either way.
      await Email.deleteMany(ofThem);
    } else {
      // Platform refs exist only on channels with delivery reports; their message ids are looked up only then.
      if (await PlatformRef.exists({ workspace: row.workspace })) {
        const messageIds = (await Message.find(ofThem, { _id: 1 }).lean()).map((m) => m._id);
        await PlatformRef.deleteMany({ workspace: row.workspace, message: { $in: messageIds } });
      }
      // Concurrently, as they are independent (a pointer left to a deleted conversation by a crash in
      // between is replaced by the contact's next turn). A closed conversation's contact no longer
      // points at it (closing clears the pointer).
      const open = batch.filter((c) => c.status !== 'closed' && ids.includes(String(c._id)));
      await Promise.all([
        deleteMessagesOf(row.workspace, ids),
        open.length
          ? Contact.updateMany(
              { _id: { $in: open.map((c) => String(c.contact)) }, openConversation: { $in: open.map((c) => String(c._id)) } },
              { $unset: { openConversation: 1 } },
            )
          : undefined,
      ]);
      await ConversationEvent.deleteMany(ofThem);
      await ConversationNote.deleteMany(ofThem);
      // The e-mail log names the person's address: it goes with the contents either way.
      await Email.deleteMany(ofThem);
      await Conversation.deleteMany({ _id: { $in: ids } });
      await queues.inbox.remove(row.workspace, ids);
    }
    for (const id of ids) for (const job of at.timers.get(id) ?? []) await job.remove().catch(() => undefined);
    // The snapshot described the conversation that is gone (or changed): the next turn reads MongoDB.
    await Promise.all(heldKeys.map(([, address]) => queues.staleSnapshot(address)));
    return ids.length;
  } finally {
    await Promise.all(
      heldKeys.map(async ([key]) => {
        await queues.mailboxes.release('in', key, token).catch(() => undefined);
        // A message that arrived meanwhile found the mailbox held and woke nobody: wake someone now.
        if ((await queues.mailboxes.entries('in', key)).length) await queues.wake('in', { key, workspace: row.workspace });
      }),
    );
  }
}

/**
 * Deletes the conversations' messages. FerretDB v1 deletes the documents a filter matched through
 * one SQL statement with a variable per document, and SQLite refuses more than 32,766: a batch
 * that matches more is split in halves, and one conversation that long is deleted in slices.
 */
async function deleteMessagesOf(workspace: string, conversations: string[]): Promise<void> {
  try {
    await Message.deleteMany({ workspace, conversation: { $in: conversations } });
  } catch (err) {
    if (!/too many SQL variables/.test((err as Error).message)) throw err;
    if (conversations.length > 1) {
      const half = Math.ceil(conversations.length / 2);
      await deleteMessagesOf(workspace, conversations.slice(0, half));
      await deleteMessagesOf(workspace, conversations.slice(half));
      return;
    }
    for (;;) {
      const slice = (await Message.find({ workspace, conversation: conversations[0] }, { _id: 1 }).limit(10_000).lean()).map((m) => m._id);
      if (!slice.length) return;
      await Message.deleteMany({ _id: { $in: slice } });
    }
  }
}

/** Privacy contract of the sweep's lock (see core/privacy/contract.ts). */
export const retentionLockPrivacy = privacyContract({
  store: { redis: 'retention:lock' },
  purpose: 'one retention sweep at a time across hub processes',
  personal: [],
  findBy: 'nothing of a person',
  erasure: { action: 'none', why: 'a lock' },
  retention: { expires: '1 minute after its holder stops renewing it' },
});
