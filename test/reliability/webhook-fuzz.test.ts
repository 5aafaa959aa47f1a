/**
 * Fuzzed webhook bodies for every channel (reliability scenario 12): valid platform payloads
 * with random parts replaced or removed, random JSON and random bytes, each signed as the
 * platform would sign it so it reaches the parser. The hub must answer every one below 500,
 * log every refusal, stay up, and still answer a real message afterwards.
 *
 * FUZZ_CASES sets the cases per channel (default 1,000 here; `npm run reliability` runs
 * 10,000); FUZZ_SEED replays a run. The figures are printed as one row and written to
 * bench/results/fuzz.json for the reliability table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import pLimit from 'p-limit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sign, signatureHeader } from '../../core/signature.js';
import { signMeta } from '../../adapters/meta/signature.js';
import { FakeTelegram, fakeBotInfo, textUpdate } from '../fakes/telegram-api.js';
import { FakeGraph } from '../fakes/meta-graph.js';
import { FakeBotConnector } from '../fakes/botframework-connector.js';
import { textEvent, webhookBody as messengerBody, pageId } from '../adapters/messenger/events.js';
import { phoneNumberId, textMessage, webhookBody as whatsappBody } from '../adapters/whatsapp-cloud/events.js';
import { cleanup, eventually, postApi, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';
import { reportRow } from '../helpers/reliability-row.js';

const cases = Number(process.env.FUZZ_CASES ?? 1000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const apiSecret = 'fuzz-api-secret-0123456789';
const telegramSecret = 'fuzz-telegram-secret_0123';
const appSecret = 'fuzz-meta-app-secret-0123';
const logs: string[] = [];
let receiver: Receiver;
let telegram: FakeTelegram;
let graph: FakeGraph;
let connector: FakeBotConnector;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;

beforeAll(async () => {
  receiver = await new Receiver(apiSecret).start();
  telegram = await new FakeTelegram().start();
  graph = await new FakeGraph({ pageAccessToken: 'EAAfuzzPageToken0123456789', whatsapp: { accessToken: 'EAAfuzzWaToken0123456789', phoneNumberId } }).start();
  connector = await new FakeBotConnector().start();
  env = testEnv({
    accounts: [{ workspace: 'fuzz', account: 'fuzz-app', secret: apiSecret, webhookUrl: receiver.url }],
    channels: {
      fuzz: {
        telegram: [
          { account: 'fuzz-bot', token: telegram.token, secretToken: telegramSecret, apiRoot: telegram.url, botInfo: fakeBotInfo, maxRetryAfterSeconds: 0 },
        ],
        messenger: [
          {
            account: 'fuzz-page',
            pageId,
            pageAccessToken: 'EAAfuzzPageToken0123456789',
            appSecret,
            verifyToken: 'fuzz-verify',
            graphUrl: graph.url,
            timeoutMs: 2000,
          },
        ],
        whatsapp: [
          {
            account: 'fuzz-wa',
            transport: 'cloud',
            phoneNumberId,
            accessToken: 'EAAfuzzWaToken0123456789',
            appSecret,
            verifyToken: 'fuzz-verify',
            graphUrl: graph.url,
            timeoutMs: 2000,
          },
        ],
        botframework: [{ account: 'fuzz-bf', emulator: true, timeoutMs: 2000 }],
      },
    },
  });
  hub = await startTestHub(env, 'all', logs);
}, 60_000);
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  await telegram?.stop();
  await graph?.stop();
  await connector?.stop();
  if (env) await cleanup(env);
});

/** How one channel's webhook is reached and signed, and one valid body to start mutating from. */
interface Target {
  channel: string;
  path: string;
  example: () => unknown;
  headers: (body: Buffer) => Record<string, string>;
}

const targets = (): Target[] => [
  {
    channel: 'api',
    path: '/channels/api/fuzz-app/messages',
    example: () => ({ id: 'm-1', user: 'u-1', text: 'hello', choice: 'c1' }),
    headers: (body) => ({ [signatureHeader]: sign(body, apiSecret) }),
  },
  {
    channel: 'telegram',
    path: '/channels/telegram/fuzz-bot/webhook',
    example: () => textUpdate({ updateId: 1, chatId: 4242, messageId: 7, text: 'hello' }),
    headers: () => ({ 'x-telegram-bot-api-secret-token': telegramSecret }),
  },
  {
    channel: 'messenger',
    path: '/channels/messenger/fuzz-page/webhook',
    example: () => messengerBody({ events: [textEvent({ user: '1234567890', id: 'mid.1', text: 'hello' })] }),
    headers: (body) => ({ 'x-hub-signature-256': signMeta(body.toString('utf8'), appSecret) }),
  },
  {
    channel: 'whatsapp',
    path: '/channels/whatsapp/fuzz-wa/webhook',
    example: () => whatsappBody({ messages: [textMessage({ user: '420601234567', id: 'wamid.1', text: 'hello' })] }),
    headers: (body) => ({ 'x-hub-signature-256': signMeta(body.toString('utf8'), appSecret) }),
  },
  {
    channel: 'botframework',
    path: '/channels/botframework/fuzz-bf/api/messages',
    example: () => connector.message({ conversationId: 'conv-1', userId: 'user-1', id: 'act-1', text: 'hello' }),
    headers: () => ({}),
  },
];

/** Every path into a JSON value (objects' keys and arrays' indexes), the root excluded. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
}

type Mutation = { path: (string | number)[]; op: 'replace' | 'delete'; value: unknown };

function mutate(example: unknown, mutations: Mutation[]): unknown {
  const copy = structuredClone(example) as Record<string | number, unknown>;
  for (const m of mutations) {
    let node: Record<string | number, unknown> | undefined = copy;
    for (const key of m.path.slice(0, -1)) node = node && typeof node[key] === 'object' && node[key] !== null ? (node[key] as typeof node) : undefined;
    if (!node) continue;
    const last = m.path.at(-1)!;
    if (m.op === 'delete') delete node[last];
    else node[last] = structuredClone(m.value); // fast-check hands out constants by reference
  }
  return copy;
}

/** Bodies for one channel: mostly its own payload with parts replaced (any JSON: wrong types, huge numbers, odd strings) or removed; some random JSON; some random bytes. */
function bodies(target: Target): fc.Arbitrary<Buffer> {
  const example = target.example();
  const paths = pathsOf(example);
  const odd = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.constantFrom('', ' ', '\u0000', '💥'.repeat(200), 'x'.repeat(70_000), -1, 0, 1e308, Number.MAX_SAFE_INTEGER + 2, true, null, [], {}),
  );
  const mutated = fc
    .array(fc.record({ path: fc.constantFrom(...paths), op: fc.constantFrom<'replace' | 'delete'>('replace', 'replace', 'delete'), value: odd }), {
      minLength: 1,
      maxLength: 4,
    })
    .map((ms) => Buffer.from(JSON.stringify(mutate(example, ms))));
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(JSON.stringify(example).slice(0, s.length % 300) + s)) },
  );
}

const warnLines = () => logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 40).length;

it(`answers ${cases} fuzzed webhook bodies per channel below 500, logs every refusal and stays up`, async () => {
  const rows: { channel: string; cases: number; accepted: number; refused: number; http5xx: number; refusalsUnlogged: number; maxAckMs: number }[] = [];
  const limit = pLimit(8);
  for (const target of targets()) {
    const sample = fc.sample(bodies(target), { numRuns: cases, seed });
    const warnsBefore = warnLines();
    const statuses: number[] = [];
    let maxAckMs = 0;
    await Promise.all(
      sample.map((body) =>
        limit(async () => {
          const started = performance.now();
          const res = await fetch(`${hub.url}${target.path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...target.headers(body) },
            body,
          });
          await res.arrayBuffer();
          maxAckMs = Math.max(maxAckMs, performance.now() - started);
          statuses.push(res.status);
          // The body, so a failure can be replayed (FUZZ_SEED replays the whole run).
          if (res.status >= 500) console.log(`5xx from ${target.channel}: ${body.toString('utf8').slice(0, 600)}`);
        }),
      ),
    );
    const refused = statuses.filter((s) => s >= 400 && s < 500).length;
    const row = {
      channel: target.channel,
      cases: sample.length,
      accepted: statuses.filter((s) => s < 300).length,
      refused,
      http5xx: statuses.filter((s) => s >= 500).length,
      refusalsUnlogged: Math.max(0, refused - (warnLines() - warnsBefore)),
      maxAckMs: Math.round(maxAckMs),
    };
    rows.push(row);
  }
  console.log(`webhook fuzz (seed ${seed}):\n${rows.map((r) => JSON.stringify(r)).join('\n')}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/fuzz.json', JSON.stringify({ seed, cases, rows }, null, 2));
  reportRow('webhook fuzz', {
    messages: rows.reduce((n, r) => n + r.cases, 0),
    http5xx: rows.reduce((n, r) => n + r.http5xx, 0),
    maxAckMs: Math.max(...rows.map((r) => r.maxAckMs)),
    notes: [
      `seed ${seed}; per channel accepted/refused (refusals without a log line): ${rows.map((r) => `${r.channel} ${r.accepted}/${r.refused} (${r.refusalsUnlogged})`).join(', ')}`,
    ],
  });

  expect(rows.map((r) => ({ channel: r.channel, http5xx: r.http5xx, refusalsUnlogged: r.refusalsUnlogged }))).toEqual(
    rows.map((r) => ({ channel: r.channel, http5xx: 0, refusalsUnlogged: 0 })),
  );
  // Every channel refused something and accepted something: the bodies reached past the signature check.
  for (const r of rows) expect([r.refused > 0, r.accepted > 0], r.channel).toEqual([true, true]);
  // Still up, and still answering a real message.
  expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
  expect((await postApi(hub.url!, 'fuzz-app', { id: 'after-fuzz', user: 'real-person', text: 'still there?' }, { secret: apiSecret })).status).toBe(202);
  await eventually(async () => receiver.replies.some((r) => r.inReplyTo === 'after-fuzz'), 60_000, 'the reply to a real message after the fuzzing');
}, 600_000);
