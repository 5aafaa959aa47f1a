import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conversation } from '../../core/store/conversation.js';
import { FlowVersion } from '../../core/store/flow-version.js';
import { Lead } from '../../core/store/lead.js';
import { Message } from '../../core/store/message.js';
import { chatter } from '../helpers/chat.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { startOrdersApi } from '../helpers/orders-api.js';
import { Receiver } from '../helpers/receiver.js';

const secret = 'flows-secret-0123456789';
const apiKey = 'flows-admin-key-0123456789abcdef';
let receiver: Receiver;
/** The business's CRM, receiving leads; it fails the first attempt of each. */
let crm: Receiver;
const crmSecret = 'crm-secret-0123456789abcdef';
let orders: Awaited<ReturnType<typeof startOrdersApi>>;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let flowFile: string;

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  crm = await new Receiver(crmSecret).start();
  crm.respond = (_lead, attempt) => (attempt === 1 ? 503 : 200);
  orders = await startOrdersApi('orders-token-123');
  // The example flow, pointed at this test's order API, in a folder the test may change.
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-flows-'));
  flowFile = join(dir, 'shop.yaml');
  writeFileSync(flowFile, exampleFlow());
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }],
    flows: { shop: { path: dir, start: 'shop' } },
    apiKeys: { shop: [apiKey] },
    crm: { shop: { webhookUrl: crm.url, secret: crmSecret } },
    secrets: { shop: { orders: 'orders-token-123' } },
  });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  await crm?.stop();
  await orders?.stop();
  if (env) await cleanup(env);
});

/** The example flow, pointed at this test's order API, which wants a token: the flow sends it from the workspace's secrets. */
const exampleFlow = () =>
  readFileSync('config/flows/shop.yaml', 'utf8')
    .replace('http://127.0.0.1:3000', orders.url)
    .replace('timeoutMs: 5000', 'timeoutMs: 1000\n      headers: { Authorization: "Bearer {{ secrets.orders }}" }');

const user = (name: string) => chatter({ hubUrl: () => hub.url!, receiver, workspace: 'shop', account: 'shop-app', secret, user: name });
const texts = (replies: { text: string }[]) => replies.map((r) => r.text);
const admin = (path: string, init: RequestInit = {}, key = apiKey) => fetch(`${hub.url}/api${path}`, { ...init, headers: { authorization: `Bearer ${key}` } });

describe('the example flow through the api channel', () => {
  it('captures a callback lead, validating answers, with the marketing consent and its wording', async () => {
    const ada = user('ada');
    const [welcome] = await ada('hello');
    expect(welcome!.text).toMatch(/^Hi there! I'm the Demo Shop assistant/);
    expect(welcome!.choices?.map((c) => c.id)).toEqual(['hours', 'order_status', 'callback', 'human']);

    expect(texts(await ada({ choice: 'callback' }))).toEqual(['Sure, we will call you back. Just a few questions.', 'What is your name?']);
    expect(texts(await ada('Ada Lovelace'))).toEqual(['Your e-mail? (or "skip")']);
    expect(texts(await ada('ada at example'))).toEqual([
      'That does not look like an e-mail address. Please try again, or write "skip".',
      'Your e-mail? (or "skip")',
    ]);
    expect(texts(await ada('ada@example.com'))).toEqual(['Which phone number should we call? (or "skip")']);
    const consent = await ada('601 123 456');
    expect(texts(consent)).toEqual(['May we also send you news and offers?']);
    expect(consent[0]!.choices?.map((c) => c.id)).toEqual(['yes', 'no']);
    expect(texts(await ada('yes'))).toEqual(['Thanks Ada Lovelace, we will be in touch within one working day.', 'Anything else?']);

    const leads = await Lead.find({ workspace: 'shop' }).lean();
    expect(leads).toEqual([
      expect.objectContaining({
        flow: 'shop',
        form: 'callback',
        channel: 'api',
        fields: { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+420601123456' },
        consent: { purpose: 'marketing', granted: true, text: 'May we also send you news and offers?' },
      }),
    ]);

    // It reaches the CRM, signed, after one failed attempt, and the lead says so.
    const [posted] = await crm.waitFor(1);
    expect(posted).toMatchObject({ form: 'callback', fields: { name: 'Ada Lovelace', phone: '+420601123456' }, signatureValid: true });
    await eventually(async () => (await Lead.findOne({ workspace: 'shop' }).lean())?.crm?.status === 'sent', 10_000, 'the CRM delivery record');
    expect((await Lead.findOne({ workspace: 'shop' }).lean())?.crm).toMatchObject({ status: 'sent', attempts: 2 });

    // The business exports it, with its key; nobody else can.
    const csv = await admin('/leads?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await csv.text()).toMatch(/callback,.*ada@example.com,Ada Lovelace,\+420601123456,marketing,true/);
    expect((await admin('/leads', {}, 'wrong-key-0123456789abcdefghij')).status).toBe(401);
    expect((await fetch(`${hub.url}/api/leads`)).status).toBe(401);
  });

  it('looks an order up through the business API, and survives its failures', async () => {
    const bob = user('bob');
    await bob('hi');
    expect(texts(await bob({ choice: 'order_status' }))).toEqual(['What is your order number? You will find it in the order confirmation.']);
    expect(texts(await bob('12346'))).toEqual(['Good news: order 12346 has shipped and should arrive by 2026-11-24.', 'Anything else?']);
    await bob('1');
    await bob('2'); // "Order status", by its number in the list
    const slow = await bob('5555');
    expect(texts(slow)).toEqual(['Sorry, I could not look up order 5555. Shall I pass you to a colleague?']);
    await bob('No, thanks');
    await bob('Yes');
    await bob('Order status');
    expect(texts(await bob('7777'))).toEqual(['Sorry, I could not look up order 7777. Shall I pass you to a colleague?']);
  });

  it('hands over to people, stays silent, and takes the conversation back when told', async () => {
    const cyd = user('cyd');
    await cyd('hi');
    expect(texts(await cyd('agent'))).toEqual(['I am passing you to a colleague; someone will answer here shortly.']);
    const conversation = await Conversation.findOne({ workspace: 'shop', user: 'cyd' }).lean();
    expect(conversation).toMatchObject({ status: 'waiting', team: 'support' });
    expect(await cyd('hello? anyone?')).toEqual([]);
    expect(await Message.countDocuments({ workspace: 'shop', user: 'cyd', direction: 'in', text: 'hello? anyone?' })).toBe(1);

    expect((await admin(`/conversations/000000000000000000000000/handback`, { method: 'POST' })).status).toBe(404);
    const back = await admin(`/conversations/${conversation!._id}/handback`, { method: 'POST' });
    expect(await back.json()).toEqual({ id: String(conversation!._id), status: 'bot' });
    expect(texts(await cyd('hi again'))[0]).toMatch(/^Hi there!/);

    expect((await admin(`/conversations/${conversation!._id}/close`, { method: 'POST' })).status).toBe(200);
    await cyd('new question');
    expect(await Conversation.countDocuments({ workspace: 'shop', user: 'cyd' })).toBe(2);
  });

  it('resumes at the same question after the hub restarts', async () => {
    const dee = user('dee');
    await dee('hi');
    expect(texts(await dee({ choice: 'callback' }))).toContain('What is your name?');
    await hub.stop();
    hub = await startTestHub(env);
    expect(texts(await dee('Dee'))).toEqual(['Your e-mail? (or "skip")']);
  });

  it('finishes running conversations on their version when the flow file changes, and refuses a broken change', async () => {
    const eve = user('eve');
    await eve('hi');
    await eve({ choice: 'callback' });
    await eve('Eve');

    const original = readFileSync(flowFile, 'utf8');
    writeFileSync(
      flowFile,
      original.replace("I'm the Demo Shop assistant", "I'm the NEW assistant").replace('Your e-mail? (or \\"skip\\")', 'E-mail, please?'),
    );
    utimesSync(flowFile, new Date(), new Date(Date.now() + 5000));
    const registry = hub.flows.get('shop')!;
    expect(registry.reloadIfChanged()).toBe(true);

    // Eve's conversation stays on the version it started with...
    expect(texts(await eve('skip'))).toEqual(['Which phone number should we call? (or "skip")']);
    // ...a new conversation gets the new one.
    expect((await user('fay')('hi'))[0]!.text).toMatch(/^Hi there! I'm the NEW assistant/);

    const broken = original.replace('next: bye }', 'next: nowhere }');
    expect(broken).not.toBe(original);
    writeFileSync(flowFile, broken);
    utimesSync(flowFile, new Date(), new Date(Date.now() + 10_000));
    expect(registry.reloadIfChanged()).toBe(false);
    expect((await user('gus')('hi'))[0]!.text).toMatch(/NEW assistant/);
  });

  it('finishes a conversation on its flow version even after a restart with a changed file', async () => {
    const hal = user('hal');
    await hal('hi');
    await hal({ choice: 'callback' });
    // The file changes while the hub is down: the restarted hub runs the new version...
    await hub.stop();
    writeFileSync(flowFile, exampleFlow().replace("I'm the Demo Shop assistant", "I'm the NEWER assistant").replace('Your e-mail? (or \\"skip\\")', 'Mail?'));
    hub = await startTestHub(env);
    expect((await user('ivy')('hi'))[0]!.text).toMatch(/NEWER assistant/);
    // ...and Hal's conversation, started on the one before, finishes on it (its source is kept in the store).
    expect(texts(await hal('Hal'))).toEqual(['E-mail, please?']);
    expect(await FlowVersion.countDocuments({ workspace: 'shop', flow: 'shop' })).toBeGreaterThanOrEqual(3);
  });
});
