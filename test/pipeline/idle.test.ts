import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Conversation } from '../../core/store/conversation.js';
import { chatter } from '../helpers/chat.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

const secret = 'idle-secret-0123456789ab';
const flow = `flow: quiz
start: q
idle:
  remind: { after: 1s, text: "Still there?" }
  close: { after: 2s, text: "Closing this chat." }
nodes:
  q:
    ask: "What is 2 + 2?"
    var: answer
    validate: { type: number }
    next: done
  done:
    end: "Right, {{ answer }}."
`;
let receiver: Receiver;
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startTestHub>>;

beforeAll(async () => {
  receiver = await new Receiver(secret).start();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-idle-'));
  writeFileSync(join(dir, 'quiz.yaml'), flow);
  env = testEnv({ accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: receiver.url }], flows: { shop: { path: dir, start: 'quiz' } } });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  if (env) await cleanup(env);
});

const user = (name: string) => chatter({ hubUrl: () => hub.url!, receiver, workspace: 'shop', account: 'shop-app', secret, user: name });
const unprompted = (name: string) => receiver.replies.filter((r) => r.user === name && r.inReplyTo === null).map((r) => r.text);

it('reminds a quiet contact, then closes the conversation; the next message starts a new one', async () => {
  const quiet = user('quiet');
  expect((await quiet('hi')).map((r) => r.text)).toEqual(['What is 2 + 2?']);
  await eventually(async () => unprompted('quiet').length === 2, 10_000, 'the reminder and the closing message');
  expect(unprompted('quiet')).toEqual(['Still there?', 'Closing this chat.']);
  expect(await Conversation.findOne({ workspace: 'shop', user: 'quiet' }).lean()).toMatchObject({ status: 'closed' });

  expect((await quiet('hello again')).map((r) => r.text)).toEqual(['What is 2 + 2?']);
  expect(await Conversation.countDocuments({ workspace: 'shop', user: 'quiet' })).toBe(2);
});

it('sends no reminder to a contact who answered in time', async () => {
  const quick = user('quick');
  await quick('hi');
  expect((await quick('4')).map((r) => r.text)).toEqual(['Right, 4.']);
  await new Promise((r) => setTimeout(r, 2500)); // past both timers of the question answered
  expect(unprompted('quick')).toEqual([]);
  expect(await Conversation.findOne({ workspace: 'shop', user: 'quick' }).lean()).toMatchObject({ status: 'bot' });
});
