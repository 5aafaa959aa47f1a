import { afterAll, beforeAll, expect, it } from 'vitest';
import { Message } from '../../../core/store/message.js';
import { FakeBotConnector } from '../../fakes/botframework-connector.js';
import { cleanup, eventually, exited, spawnHub, startTestHub, testEnv, type TestEnv } from '../../helpers/hub.js';

// Deployed split: activities arrive at a web process, replies leave from a worker process that
// never saw them, so the conversation reference must come from MongoDB.
let connector: FakeBotConnector;
let env: TestEnv;
let web: Awaited<ReturnType<typeof startTestHub>>;
let worker: ReturnType<typeof spawnHub>;

beforeAll(async () => {
  connector = await new FakeBotConnector().start();
  env = testEnv({
    accounts: [],
    channels: { split: { botframework: [{ account: 'split-bot', emulator: true }] } },
    autoReply: { split: 'Hello from the worker.' },
  });
  web = await startTestHub(env, 'web');
  worker = spawnHub(env, 'worker');
});
afterAll(async () => {
  worker?.kill('SIGTERM');
  if (worker) await exited(worker);
  await web?.stop();
  await connector?.stop();
  if (env) await cleanup(env);
});

it('a worker process replies through the conversation reference the web process stored', async () => {
  const conversationId = `split-${Date.now()}`;
  const status = await connector.deliver(
    `${web.url}/channels/botframework/split-bot/api/messages`,
    connector.message({ conversationId, userId: 'u-split', name: 'Sam', id: 'split-1', text: 'hi' }),
  );
  expect(status).toBe(200);
  await eventually(async () => connector.delivered(conversationId).length >= 1, 60_000, 'reply from the worker');
  expect(connector.delivered(conversationId)).toEqual([
    expect.objectContaining({ text: 'Hello from the worker.', replyToId: 'split-1', recipient: { id: 'u-split', name: 'Sam' }, serviceUrl: connector.url }),
  ]);
  await eventually(
    async () => (await Message.find({ workspace: 'split', user: conversationId, direction: 'out' }).lean()).every((m) => m.status === 'sent'),
    10_000,
    'sent',
  );
});
