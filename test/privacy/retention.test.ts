import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mailboxKey, Queues } from '../../core/queue/queues.js';
import { planRetention, runRetention, SweepRunningError, type RetentionRow } from '../../core/privacy/retention.js';
import type { Responder, Turn, TurnOutcome } from '../../core/responder.js';
import { ConsentEvent } from '../../core/store/consent.js';
import { Contact } from '../../core/store/contact.js';
import { Conversation } from '../../core/store/conversation.js';
import { Lead } from '../../core/store/lead.js';
import { Message } from '../../core/store/message.js';
import { RetentionRun } from '../../core/store/retention-run.js';
import { eventually } from '../helpers/hub.js';
import { testChannel, type TestChannel } from '../helpers/test-channel.js';

/** Answers, sets a reminder, and takes a lead from anyone who writes "lead". */
class ShopResponder implements Responder {
  async respond(turn: Turn): Promise<TurnOutcome> {
    if (!turn.message) return { replies: [] };
    const lead = turn.message.content.type === 'text' && turn.message.content.text === 'lead';
    return {
      replies: [{ text: 'noted' }],
      timers: [{ stage: 'remind', afterMs: 3600_000 }],
      ...(lead ? { leads: [{ flow: 'shop', form: 'callback', fields: { phone: '+420601123456' } }] } : {}),
    };
  }
}

let chat: TestChannel;
let redis: Redis;
let queues: Queues;
const day = 24 * 3600_000;
const inDays = (n: number) => new Date(Date.now() + n * day);

beforeAll(async () => {
  chat = await testChannel({
    responder: new ShopResponder(),
    privacy: {
      notice: { version: '1', text: 'We keep this for {retention}.' },
      retention: {
        conversations: '12mo',
        leads: '6mo',
        contacts: '12mo',
        consents: { after: '12mo', action: 'anonymise' },
        // The test channel keeps its conversations for 90 days only.
        channels: { test: { conversations: '90d' } },
      },
    },
  });
  redis = new Redis(chat.env.redisUrl, { maxRetriesPerRequest: null });
  queues = new Queues({ connection: redis, prefix: chat.env.prefix, outboundAttempts: 3 });
  for (const user of ['alice', 'bob', 'carol']) {
    await chat.send('hello', { user });
    await chat.send('lead', { user });
  }
});
afterAll(async () => {
  await queues?.close();
  await redis?.quit();
  await chat?.close();
});

const options = () => ({ config: chat.env.config, redis, queues, batchSize: 2 });
const row = (rows: RetentionRow[], kind: string) => rows.find((r) => r.kind === kind && r.channel === 'test');

it('quotes the policy in the notice, so the two never drift', async () => {
  const notice = (await chat.messages('alice')).find((m) => m.sender === 'system');
  expect(notice?.text).toBe('We keep this for 12 months.');
});

it('plans nothing today, and on a later date what would go then, per kind; a legal hold is kept out', async () => {
  expect((await planRetention({ config: chat.env.config })).every((r) => r.count === 0)).toBe(true);
  await Contact.updateOne({ user: 'bob' }, { $set: { legalHold: true } });
  const plan = await planRetention({ config: chat.env.config, asOf: inDays(100) });
  expect(row(plan, 'conversations')).toMatchObject({ action: 'delete', after: '90d', count: 2 });
  expect(row(plan, 'conversations')!.oldest).toBeInstanceOf(Date);
  expect(row(plan, 'leads')).toMatchObject({ after: '6mo', count: 0 });
  expect(row(plan, 'consents')).toMatchObject({ action: 'anonymise', count: 0 });
});

it('removes a conversation past its policy with its messages and timers, keeps one whose turn is running, and one under a legal hold', async () => {
  const alice = (await chat.conversation('alice'))!;
  expect(await chat.timer('remind', 'alice')).toBeDefined();
  // Carol's turn is running: the sweep must not pull her conversation from under it.
  const carolKey = mailboxKey(chat.address('carol'));
  expect(await queues.mailboxes.acquire('in', carolKey, 'a-running-turn', 30_000)).toBe(true);
  const { rows, errors } = await runRetention({ ...options(), asOf: inDays(100), trigger: 'cli' });
  await queues.mailboxes.release('in', carolKey, 'a-running-turn');

  expect(errors).toEqual([]);
  expect(row(rows, 'conversations')).toMatchObject({ count: 1, busy: 1 });
  expect(await Conversation.findById(alice._id).lean()).toBeNull();
  expect(await Message.countDocuments({ conversation: alice._id })).toBe(0);
  expect(await chat.timer('remind', 'alice')).toBeUndefined();
  expect(await Contact.findOne({ user: 'alice' }).lean()).toMatchObject({ user: 'alice' });
  expect((await Contact.findOne({ user: 'alice' }).lean())?.openConversation).toBeUndefined();
  expect(await Conversation.countDocuments({ user: { $in: ['bob', 'carol'] } })).toBe(2);
  // Her snapshot is marked stale (the worker's next turn reads MongoDB), and her next message opens a new conversation.
  expect(Number(await redis.hget(`${chat.env.prefix}:snap:${mailboxKey(chat.address('alice'))}`, 'gen'))).toBe(1);
  chat.staleSnapshots();
  expect((await chat.send('back again', { user: 'alice' })).map((r) => r.text)).toContain('noted');
  expect(await Conversation.countDocuments({ user: 'alice' })).toBe(1);
});

it('later removes leads and contacts left without conversations, and anonymises consent proof, keeping what proves it', async () => {
  await Conversation.deleteMany({ user: 'alice' }); // as if it had gone by its policy too
  await Contact.updateOne({ user: 'alice' }, { $unset: { openConversation: 1 } });
  const { rows } = await runRetention({ ...options(), asOf: inDays(400), trigger: 'cli' });
  expect(row(rows, 'leads')!.count).toBe(2); // alice's and carol's; bob is on hold
  expect(await Lead.countDocuments({ contact: { $ne: (await Contact.findOne({ user: 'bob' }).lean())!._id } })).toBe(0);
  expect(row(rows, 'contacts')!.count).toBe(2); // alice (no conversations left) and carol (hers went at 90 days)
  expect(await Contact.countDocuments({ user: { $in: ['alice', 'carol'] } })).toBe(0);
  const consents = await ConsentEvent.find({ purpose: 'notice' }).lean();
  const anonymised = consents.filter((c) => c.anonymisedAt);
  expect(anonymised.length).toBeGreaterThanOrEqual(2);
  expect(anonymised.every((c) => c.user.startsWith('anon_') && c.textVersion === '1' && c.granted)).toBe(true);
  expect(consents.filter((c) => c.user === 'bob')).toHaveLength(1); // on hold: untouched
});

it('stores every run with its counts, and runs one sweep at a time', async () => {
  const runs = await RetentionRun.find({}).sort({ startedAt: 1 }).lean();
  expect(runs.map((r) => r.status)).toEqual(['done', 'done']);
  expect(runs[0]!.counts.find((c) => c.kind === 'conversations' && c.channel === 'test')).toMatchObject({ count: 1, busy: 1 });
  await redis.set(`${chat.env.prefix}:retention:lock`, 'someone-else', 'PX', 5000);
  await expect(runRetention({ ...options(), trigger: 'cli' })).rejects.toBeInstanceOf(SweepRunningError);
  await redis.del(`${chat.env.prefix}:retention:lock`);
});

it('removes failed jobs older than a week, which BullMQ itself keeps while their queue is quiet', async () => {
  await queues.enqueueCrm([
    { workspace: 'shop', leadId: 'lead_old_failure' },
    { workspace: 'shop', leadId: 'lead_new_failure' },
  ]);
  const worker = new Worker(
    'crm',
    async () => {
      throw new Error('CRM webhook answered 500');
    },
    // Its retries at once (the hub's workers back off for real).
    { connection: redis.duplicate(), prefix: chat.env.prefix, settings: { backoffStrategy: () => 0 } },
  );
  await eventually(async () => (await queues.crm.getFailedCount()) === 2, 10_000, 'both jobs failed');
  await worker.close();
  // As if it had failed eight days ago (the failed set is scored by that time, the job records it).
  const eightDaysAgo = Date.now() - 8 * day;
  await redis.hset(`${chat.env.prefix}:crm:lead_old_failure`, 'finishedOn', String(eightDaysAgo));
  await redis.zadd(`${chat.env.prefix}:crm:failed`, eightDaysAgo, 'lead_old_failure');
  const { runId } = await runRetention({ ...options(), trigger: 'cli' });
  expect((await queues.crm.getFailed()).map((j) => j.id)).toEqual(['lead_new_failure']);
  expect((await RetentionRun.findById(runId).lean())?.failedJobs).toBe(1);
});

it('gives way to live turns: while one runs in any process it sweeps in small steps, and flat out once none does', async () => {
  const quiet = () => eventually(async () => !(await queues.mailboxes.live()), 5000, 'the live flag to lapse');
  const sweepSteps = async (users: string[], during?: () => { end(): void }) => {
    for (const user of users) await chat.send('hello', { user });
    await quiet(); // the sends' own turns
    const turn = during?.();
    const steps: number[] = [];
    let last = 0;
    const { rows } = await runRetention({
      ...options(),
      batchSize: 100,
      asOf: inDays(100),
      trigger: 'cli',
      onProgress: (done) => {
        steps.push(done - last);
        last = done;
      },
    });
    turn?.end();
    expect(row(rows, 'conversations')!.count).toBe(users.length);
    return steps.filter((n) => n > 0);
  };
  const users = (from: string) => Array.from({ length: 25 }, (_, i) => `${from}${i}`);

  // A turn running in another process: the flag is the deployment's, in Redis.
  const otherProcess = new Queues({ connection: redis, prefix: chat.env.prefix, outboundAttempts: 3 });
  expect(await sweepSteps(users('busy-'), () => otherProcess.mailboxes.turnRunning())).toEqual([10, 10, 5]);
  await quiet();
  expect(await sweepSteps(users('quiet-'))).toEqual([25]);
  await otherProcess.close();
});
