import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordStatuses } from '../../core/statuses.js';
import { ConsentEvent } from '../../core/store/consent.js';
import { Contact } from '../../core/store/contact.js';
import { contactId, platformRefId } from '../../core/store/ids.js';
import { Message } from '../../core/store/message.js';
import { PlatformRef } from '../../core/store/platform-ref.js';
import { chatter } from '../helpers/chat.js';
import { cleanup, postApi, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

const secret = 'privacy-secret-0123456789';
const flow = `flow: signup
start: q
intents:
  nooffers: "@stop"
idle:
  remind: { after: 1s, text: "Still there?" }
nodes:
  q:
    ask: "What is 2 + 2?"
    var: answer
    validate: { type: number }
    next: news
  news:
    form:
      id: newsletter
      fields:
        - { name: email, label: "Your e-mail?", type: email, required: true }
      consent: { label: "May we send you news and offers?", purpose: marketing }
      submitted: "Thanks!"
    next: done
  done:
    end: "Bye."
`;
let receiver: Receiver;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-privacy-'));
  writeFileSync(join(dir, 'signup.yaml'), flow);
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }],
    flows: { shop: { path: dir, start: 'signup' } },
    privacy: { shop: { notice: { version: '2026-11', text: 'We keep your messages for 90 days.' }, keywords: { stop: ['stop', 'odhlásit'] } } },
  });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  if (env) await cleanup(env);
});

const user = (name: string) => chatter({ hubUrl: () => hub.url!, receiver, workspace: 'shop', account: 'shop-app', secret, user: name });
const texts = (replies: { text: string }[]) => replies.map((r) => r.text);
const contactOf = (u: string) => Contact.findById(contactId({ workspace: 'shop', channel: 'api', account: 'shop-app', user: u })).lean();

describe('privacy on a channel without its own notice', () => {
  it('shows the notice (without a policy link when none is configured) once, before the bot', async () => {
    const ana = user('ana');
    expect(texts(await ana('hello'))).toEqual(['We keep your messages for 90 days.', 'What is 2 + 2?']);
    expect(texts(await ana('4'))).toEqual(['Your e-mail?']);
    expect((await contactOf('ana'))?.noticeVersion).toBe('2026-11');
  });

  it("records a form's marketing answer in the consent ledger with the question shown", async () => {
    const bo = user('bo');
    await bo('hi');
    await bo('4');
    await bo('bo@example.com');
    expect(texts(await bo('yes'))).toEqual(['Thanks!', 'Bye.']);
    const events = await ConsentEvent.find({ workspace: 'shop', user: 'bo', purpose: 'marketing' }).lean();
    expect(events.map((e) => [e.granted, e.text, e.evidence?.source])).toEqual([[true, 'May we send you news and offers?', 'form']]);
    expect(events[0]!.textVersion).toMatch(/^sha256:/);
  });

  it("records a flow's @stop intent as a marketing withdrawal, with the words as proof", async () => {
    const fay = user('fay');
    await fay('hi');
    await fay('NoOffers');
    const events = await ConsentEvent.find({ workspace: 'shop', user: 'fay', purpose: 'marketing' }).lean();
    expect(events.map((e) => [e.granted, e.text, e.evidence?.source])).toEqual([[false, 'NoOffers', 'flow-intent']]);
  });

  it('takes a configured stop keyword in any case, and sends no idle reminder after it', async () => {
    const cy = user('cy');
    await cy('hi'); // the flow asks and sets a 1 s reminder
    expect(texts(await cy('ODHLÁSIT'))).toEqual(['You will get no more messages from us here. Send START to chat again.']);
    await new Promise((r) => setTimeout(r, 1800));
    expect(receiver.replies.filter((r) => r.user === 'cy').map((r) => r.text)).not.toContain('Still there?');
    expect((await contactOf('cy'))?.stopped).toBe(true);
  });

  it("fills the contact's name and locale from the platform without overwriting them later", async () => {
    const send = (body: Record<string, unknown>) => postApi(hub.url!, 'shop-app', { id: `dee-${Math.random()}`, user: 'dee', text: 'hi', ...body }, { secret });
    const dee = user('dee');
    await dee('first, nameless');
    expect((await contactOf('dee'))?.name).toBeUndefined();
    await send({ name: 'Dee', locale: 'cs' });
    await send({ name: 'Somebody Else', locale: 'en' });
    await dee('and again');
    const contact = await contactOf('dee');
    expect([contact?.name, contact?.locale]).toEqual(['Dee', 'cs']);
  });
});

describe('delivery reports', () => {
  it('move a reply forward (sent → delivered → read) and never back; a failure after sending is stored', async () => {
    const conversation = new Types.ObjectId();
    const base = {
      workspace: 'shop',
      conversation,
      channel: 'whatsapp',
      account: 'wa',
      user: 'u1',
      direction: 'out',
      sender: 'bot',
      order: 1,
      text: 'hi',
      status: 'sent',
    };
    await Message.insertMany([
      { _id: 'out_report_1', ...base },
      { _id: 'out_report_2', ...base, order: 2 },
    ]);
    for (const [platformId, message] of [
      ['wamid.1', 'out_report_1'],
      ['wamid.2', 'out_report_2'],
    ] as const) {
      await PlatformRef.create({ _id: platformRefId({ workspace: 'shop', channel: 'whatsapp', account: 'wa', platformId }), workspace: 'shop', message });
    }
    const report = (platformId: string, status: 'delivered' | 'read' | 'failed', extra = {}) => ({
      workspace: 'shop',
      channel: 'whatsapp',
      account: 'wa',
      platformId,
      status,
      at: new Date().toISOString(),
      ...extra,
    });
    await recordStatuses([report('wamid.1', 'delivered'), report('wamid.1', 'read'), report('wamid.1', 'delivered'), report('wamid.unknown', 'read')]);
    await recordStatuses([report('wamid.2', 'failed', { error: { message: 'Message undeliverable', platformCode: '131026' } })]);
    // Another workspace's report cannot touch this one's message.
    await recordStatuses([{ ...report('wamid.2', 'read'), workspace: 'other' }]);
    const [one, two] = await Promise.all([Message.findById('out_report_1').lean(), Message.findById('out_report_2').lean()]);
    expect(one?.status).toBe('read');
    expect(one?.deliveredAt).toBeInstanceOf(Date);
    expect(one?.readAt).toBeInstanceOf(Date);
    expect([two?.status, two?.error?.platformCode, two?.error?.message]).toEqual(['failed', '131026', 'Message undeliverable']);
  });
});
