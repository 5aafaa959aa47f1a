import { Redis } from 'ioredis';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../adapters/index.js';
import { createLogger } from '../../core/logger.js';
import { deliverLead } from '../../core/pipeline/crm.js';
import { dataMap } from '../../core/privacy/data-map.js';
import { PrivacyOperations } from '../../core/privacy/operations.js';
import { overdueCounts } from '../../core/privacy/requests.js';
import { planRetention, runRetention } from '../../core/privacy/retention.js';
import { SubjectNotFoundError } from '../../core/privacy/subject.js';
import { Queues, type CrmJob } from '../../core/queue/queues.js';
import type { Responder, Turn, TurnOutcome } from '../../core/responder.js';
import { AuditEntry } from '../../core/store/audit-entry.js';
import { Lead } from '../../core/store/lead.js';
import { PrivacyRequest } from '../../core/store/privacy-request.js';
import { testChannel, type TestChannel } from '../helpers/test-channel.js';

/** Each person's own phone number, typed in their lead. */
const phones: Record<string, string> = { rita: '+420601123001', sam: '+420601123002', olga: '+420601123003', rick: '+420601123004' };

/** Answers, sets a reminder and a close, and takes a lead with marketing consent from anyone who writes "lead". */
class ShopResponder implements Responder {
  async respond(turn: Turn): Promise<TurnOutcome> {
    if (!turn.message) return { replies: [] };
    const lead = turn.message.content.type === 'text' && turn.message.content.text === 'lead';
    return {
      replies: [{ text: 'noted' }],
      timers: [
        { stage: 'remind', afterMs: 600_000 },
        { stage: 'close', afterMs: 86_400_000 },
      ],
      ...(lead
        ? {
            leads: [
              {
                flow: 'shop',
                form: 'callback',
                fields: { name: 'Ada', phone: phones[turn.address.user] ?? '+420601123999' },
                consent: { purpose: 'marketing', granted: true, text: 'News?' },
              },
            ],
          }
        : {}),
    };
  }
}

let chat: TestChannel;
let redis: Redis;
let queues: Queues;
let privacy: PrivacyOperations;
const crmJobs = async () => (await queues.crm.getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => j.data as CrmJob);
const id = (user: string) => `test:test-account:${user}`;

beforeAll(async () => {
  chat = await testChannel({
    responder: new ShopResponder(),
    crm: { webhookUrl: 'http://127.0.0.1:9/crm', secret: 'crm-secret-0123456789' },
    privacy: { pseudonymKey: 'requests-test-key-0123456789', retention: { requests: '24mo', audit: '36mo' } },
  });
  redis = new Redis(chat.env.redisUrl, { maxRetriesPerRequest: null });
  queues = new Queues({ connection: redis, prefix: chat.env.prefix, outboundAttempts: 3 });
  const registry = builtinRegistry();
  privacy = new PrivacyOperations({ config: chat.env.config, redis, queues, contracts: dataMap(registry), channelModels: registry.collections().models });
});
afterAll(async () => {
  await queues?.close();
  await redis?.quit();
  await chat?.close();
});

describe('restriction', () => {
  it('stores what a restricted person writes and does nothing else; lifting it lets the bot answer and releases leads held back from the CRM', async () => {
    await chat.send('lead', { user: 'rita' });
    const lead = (await Lead.findOne({ contact: (await chat.contact('rita'))!._id }).lean())!;
    await privacy.restrict('shop', id('rita'), 'test');
    chat.staleSnapshots();
    expect(await chat.send('hello?', { user: 'rita' })).toEqual([]);
    expect((await chat.messages('rita')).map((m) => m.text)).toContain('hello?');
    expect((await chat.conversation('rita'))?.restricted).toBe(true);

    // The lead queued before the restriction is held back when its CRM job runs.
    await deliverLead({ config: chat.env.config, logger: createLogger({ level: 'silent' }) }, {
      data: { workspace: 'shop', leadId: lead._id },
      attemptsMade: 0,
      opts: {},
    } as Job<CrmJob>);
    expect((await Lead.findById(lead._id).lean())?.crm?.status).toBe('held');

    await queues.crm.obliterate({ force: true });
    await privacy.restrict('shop', id('rita'), 'test', false);
    chat.staleSnapshots();
    expect((await chat.send('hello again', { user: 'rita' })).map((r) => r.text)).toEqual(['noted']);
    expect((await Lead.findById(lead._id).lean())?.crm?.status).toBe('queued');
    expect((await crmJobs()).map((j) => j.leadId)).toContain(lead._id);
  });
});

describe('withdrawing marketing', () => {
  it('STOP withdraws marketing too: the ledger says so, stored leads are marked, the CRM is told', async () => {
    await chat.send('lead', { user: 'sam' });
    await queues.crm.obliterate({ force: true });
    await chat.send('STOP', { user: 'sam' });
    const consents = (await chat.consents('sam')).filter((c) => c.evidence?.source === 'keyword');
    expect(consents.map((c) => [c.purpose, c.granted])).toEqual([
      ['messaging', false],
      ['marketing', false],
    ]);
    const lead = (await Lead.findOne({ contact: (await chat.contact('sam'))!._id }).lean())!;
    expect(lead.consent).toMatchObject({ purpose: 'marketing', granted: false });
    expect(lead.consent?.withdrawnAt).toBeInstanceOf(Date);
    expect((await crmJobs()).map((j) => j.notice)).toEqual([
      expect.objectContaining({ event: 'consent', purpose: 'marketing', granted: false, leads: [lead._id] }),
    ]);
  });

  it('an objection withdraws marketing and legitimate interest: no reminders from then on, the conversation still closes when idle', async () => {
    await chat.send('lead', { user: 'olga' });
    await privacy.object('shop', id('olga'), 'test');
    chat.staleSnapshots();
    const latest = await privacy.consents('shop', id('olga'), 'test');
    expect(latest[0]!.purposes.filter((p) => p.source === 'privacy-request').map((p) => [p.purpose, p.granted])).toEqual([
      ['marketing', false],
      ['legitimate-interest', false],
    ]);
    expect((await Lead.findOne({ contact: (await chat.contact('olga'))!._id }).lean())?.consent?.granted).toBe(false);
    // The reminder set before the objection sends nothing when it fires; the next turn sets none.
    expect(await chat.idle('remind', 'olga')).toEqual([]);
    await queues.turns.obliterate({ force: true });
    await chat.send('one more thing', { user: 'olga' });
    expect(await chat.timer('remind', 'olga')).toBeUndefined();
    expect(await chat.timer('close', 'olga')).toBeDefined();
  });
});

describe('rectification', () => {
  it('sets checked contact and lead fields, and refuses a bad value without changing anything', async () => {
    await chat.send('lead', { user: 'rick' });
    await expect(privacy.rectify('shop', id('rick'), { email: 'not-an-address' }, 'test')).rejects.toThrow('"not-an-address" is not a valid email');
    await expect(privacy.rectify('shop', id('rick'), { password: 'x' }, 'test')).rejects.toThrow('cannot be rectified');
    const before = await PrivacyRequest.countDocuments({ kind: 'rectify' });
    expect(before).toBe(0);
    await privacy.rectify('shop', id('rick'), { name: 'Richard Roe', email: 'Rick@Example.com', 'lead.phone': '+420 777 000 111' }, 'test');
    expect(await chat.contact('rick')).toMatchObject({ name: 'Richard Roe', email: 'Rick@example.com', typed: expect.arrayContaining(['name', 'email']) });
    expect((await Lead.findOne({ contact: (await chat.contact('rick'))!._id }).lean())?.fields).toMatchObject({ phone: '+420 777 000 111' });
    // Found by the new e-mail from now on.
    expect((await privacy.find('shop', 'email:rick@example.com', 'test')).identities).toHaveLength(1);
  });
});

describe('the request log', () => {
  it('logs a request received earlier, counts it overdue after a month, extends it once with a reason, and closes it when handled', async () => {
    await chat.send('hi', { user: 'lena' });
    const received = new Date(Date.now() - 40 * 24 * 3600_000);
    const request = await privacy.log('shop', 'export', id('lena'), 'test', received);
    expect((await privacy.requests('shop', { overdue: true })).map((r) => r.id)).toEqual([request]);
    expect((await overdueCounts()).get('shop')).toBe(1);

    await expect(privacy.extend('shop', request, '  ', 'test')).rejects.toThrow('needs its reason');
    const until = await privacy.extend('shop', request, 'many requests this month', 'test');
    expect(until.getTime() - received.getTime()).toBeGreaterThan(88 * 24 * 3600_000);
    expect(await privacy.requests('shop', { overdue: true })).toEqual([]);
    await expect(privacy.extend('shop', request, 'again', 'test')).rejects.toThrow('extended already');

    const document = await privacy.export('shop', id('lena'), 'test');
    expect(document).toMatchObject({ schema: 'switchboard.privacy-export', version: 1, identifier: id('lena') });
    expect((document.conversations as { messages: { text?: string }[] }[])[0]!.messages.map((m) => m.text)).toContain('hi');
    const row = (await privacy.requests('shop')).find((r) => r.id === request)!;
    expect(row).toMatchObject({ status: 'done', handledBy: 'test', overdue: false });
  });

  it('an identifier that matches nobody changes nothing: no request, no audit entry', async () => {
    const requests = await PrivacyRequest.countDocuments({});
    const entries = await AuditEntry.countDocuments({});
    await expect(privacy.erase('shop', 'email:nobody@example.com', 'test')).rejects.toBeInstanceOf(SubjectNotFoundError);
    await expect(privacy.restrict('shop', id('nobody'), 'test')).rejects.toThrow('nobody in workspace "shop" is known by test:test-account:nobody');
    expect(await PrivacyRequest.countDocuments({})).toBe(requests);
    expect(await AuditEntry.countDocuments({})).toBe(entries);
  });

  it('keeps identifiers out of the request and audit logs: pseudonyms and counts only', async () => {
    const logs = JSON.stringify([...(await PrivacyRequest.find({}).lean()), ...(await AuditEntry.find({}).lean())]);
    for (const identifier of ['rita', 'sam', 'olga', 'rick', 'lena', 'Richard', '+420', '777 000', 'example.com']) expect(logs).not.toContain(identifier);
    expect(logs).toContain('anon_');
  });

  it('follows the retention policy: answered requests and old audit entries go, as of a later date', async () => {
    const asOf = new Date(Date.now() + 40 * 30 * 24 * 3600_000);
    const plan = await planRetention({ config: chat.env.config, asOf });
    const requests = plan.find((r) => r.kind === 'requests')!;
    expect(requests).toMatchObject({ channel: '*', after: '24mo' });
    expect(requests.count).toBe(await PrivacyRequest.countDocuments({ status: 'done' }));
    await runRetention({ config: chat.env.config, redis, queues, trigger: 'cli', asOf });
    expect(await PrivacyRequest.countDocuments({ status: 'done' })).toBe(0);
    // The run itself is the one entry left: it happened after the cut-off.
    expect((await AuditEntry.find({}).lean()).map((e) => e.action)).toEqual(['retention.run']);
  });
});
