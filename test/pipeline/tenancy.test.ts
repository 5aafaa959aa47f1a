import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Hub } from '../../core/hub.js';
import { Contact } from '../../core/store/contact.js';
import { Conversation } from '../../core/store/conversation.js';
import { Message } from '../../core/store/message.js';
import { Receiver } from '../helpers/receiver.js';
import { cleanup, eventually, postApi, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

const secretA = 'agency-client-a-secret';
const secretB = 'agency-client-b-secret';
let receiverA: Receiver;
let receiverB: Receiver;
let env: TestEnv;
let hub: Hub;

beforeAll(async () => {
  receiverA = await new Receiver(secretA).start();
  receiverB = await new Receiver(secretB).start();
  env = testEnv({
    accounts: [
      { workspace: 'bakery', account: 'bakery-app', secret: secretA, webhookUrl: receiverA.url },
      { workspace: 'garage', account: 'garage-app', secret: secretB, webhookUrl: receiverB.url },
    ],
  });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  await receiverA?.stop();
  await receiverB?.stop();
  if (env) await cleanup(env);
});

it("keeps one workspace's credentials and users away from another's conversations", async () => {
  // The same user id in both workspaces is two different people.
  expect((await postApi(hub.url!, 'bakery-app', { id: 'same-id', user: 'sam', text: 'bread?' }, { secret: secretA })).status).toBe(202);
  expect((await postApi(hub.url!, 'garage-app', { id: 'same-id', user: 'sam', text: 'tyres?' }, { secret: secretB })).status).toBe(202);

  // Workspace A's secret opens nothing of workspace B, and the other way round.
  expect((await postApi(hub.url!, 'garage-app', { id: 'intrude-1', user: 'sam', text: 'hijack' }, { secret: secretA })).status).toBe(401);
  expect((await postApi(hub.url!, 'bakery-app', { id: 'intrude-2', user: 'sam', text: 'hijack' }, { secret: secretB })).status).toBe(401);

  await receiverA.waitFor(1);
  await receiverB.waitFor(1);
  await eventually(async () => (await Message.countDocuments({ status: 'sent' })) === 2, 5000, 'both deliveries');

  // Each business's webhook received only its own reply, signed with its own secret.
  expect(receiverA.replies).toEqual([expect.objectContaining({ user: 'sam', text: 'auto-reply from bakery', inReplyTo: 'same-id', signatureValid: true })]);
  expect(receiverB.replies).toEqual([expect.objectContaining({ user: 'sam', text: 'auto-reply from garage', inReplyTo: 'same-id', signatureValid: true })]);

  // Same platform ids, separate documents, each scoped to its workspace.
  for (const [workspace, text] of [
    ['bakery', 'bread?'],
    ['garage', 'tyres?'],
  ] as const) {
    expect(await Contact.countDocuments({ workspace })).toBe(1);
    expect(await Conversation.countDocuments({ workspace })).toBe(1);
    const inbound = await Message.find({ workspace, direction: 'in' }).lean();
    expect(inbound.map((m) => m.text)).toEqual([text]);
  }
  expect(await Message.countDocuments({ text: 'hijack' })).toBe(0);
});
