import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Lead } from '../../core/store/lead.js';
import { chatter } from '../helpers/chat.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

const secret = 'outbound-secret-0123456789';
const crmSecret = 'outbound-crm-secret-0123456789';
/** Stands in for what a flow must not read: a cloud metadata service or an admin port on the hub's own machine. */
let internal: Server;
const internalHits: string[] = [];
let receiver: Receiver;
let crm: Receiver;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;

beforeAll(async () => {
  internal = createServer((req, res) => {
    internalHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"token": "metadata-token-do-not-leak"}');
  });
  await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
  const port = (internal.address() as AddressInfo).port;
  receiver = await new Receiver(secret).start();
  crm = await new Receiver(crmSecret).start();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-outbound-'));
  // A flow that shows what its http node read: exactly what an attacker writing a flow variable into a URL would want.
  writeFileSync(
    join(dir, 'peek.yaml'),
    `flow: peek
start: ask
nodes:
  ask:
    ask: "Which path?"
    var: path
    next: call
  call:
    http: { url: "http://127.0.0.1:${port}/{{ path }}" }
    var: answer
    next: show
    onError: failed
  show:
    say: "It said {{ answer.token }}"
    next: lead
  failed:
    say: "That lookup is not possible."
    next: lead
  lead:
    form:
      id: contact
      fields: [{ name: email, label: "Your e-mail?", type: email }]
    next: ask
`,
  );
  env = testEnv({
    // The receiver and the CRM by name (trusted whatever they resolve to); 127.0.0.1 itself stays refused.
    accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url.replace('127.0.0.1', 'localhost') }],
    flows: { shop: { path: dir, start: 'peek' } },
    crm: { shop: { webhookUrl: crm.url, secret: crmSecret } },
    workspaces: { shop: { outbound: { allow: ['localhost'] } } },
  });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  await crm?.stop();
  internal?.closeAllConnections();
  await new Promise((resolve) => internal?.close(resolve));
  if (env) await cleanup(env);
});

it("keeps a flow's http node off loopback unless the workspace allows it, and its CRM webhook too", async () => {
  const say = chatter({ hubUrl: () => hub.url!, receiver, workspace: 'shop', account: 'shop-app', secret, user: 'mallory' });
  expect((await say('hello')).map((r) => r.text)).toEqual(['Which path?']);
  const replies = (await say('latest/meta-data')).map((r) => r.text);
  expect(replies[0]).toBe('That lookup is not possible.');
  expect(replies.join(' ')).not.toContain('metadata-token');
  expect(internalHits).toEqual([]);

  // The lead is kept and its CRM delivery fails with the reason, retried by the queue; the CRM never hears of it.
  await say('mallory@example.com');
  await eventually(
    async () => /refused: loopback address refused/.test((await Lead.findOne({ workspace: 'shop' }).lean())?.crm?.error ?? ''),
    10_000,
    'the CRM refusal',
  );
  expect(crm.replies).toEqual([]);
});
