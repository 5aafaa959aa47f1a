import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Hub } from '../../core/hub.js';
import { Message } from '../../core/store/message.js';
import { cleanup, eventually, exited, spawnHub, type TestEnv } from '../helpers/hub.js';
import { freePort, startWidgetHub, WidgetClient, widgetEnv, workspace } from './helpers.js';

// Two hub processes and no sticky sessions: the socket is held by a web process here, the
// reply is produced and sent by a worker in another OS process, and travels through Redis.
let env: TestEnv;
let web: Hub;
let worker: ChildProcess;

beforeAll(async () => {
  env = widgetEnv({ port: await freePort(), autoReply: 'Answered by the worker process.' });
  web = await startWidgetHub(env, 'web');
  worker = spawnHub(env, 'worker');
});
afterAll(async () => {
  worker?.kill('SIGTERM');
  if (worker) await exited(worker);
  await web?.stop();
  if (env) await cleanup(env);
});

it('a visitor on web process A gets the reply sent by the worker of process B, on every open tab', async () => {
  const tab1 = await new WidgetClient(web.url!).open();
  const tab2 = await new WidgetClient(web.url!, { token: tab1.visitor! }).open();
  const id = await tab1.sendText('hello from the shop page');
  await tab1.until(() => tab1.replies().length === 1, 'reply in tab 1', 45_000);
  await tab2.until(() => tab2.replies().length === 1, 'reply in tab 2');
  for (const tab of [tab1, tab2]) expect(tab.replies().map((r) => [r.text, r.sender])).toEqual([['Answered by the worker process.', 'bot']]);
  // The other tab also showed what the visitor wrote in the first one.
  expect(tab2.frames.some((f) => f.t === 'msg' && f.m.dir === 'in' && f.m.cid === id && f.m.text === 'hello from the shop page')).toBe(true);
  const reply = tab1.replies()[0]!;
  await eventually(async () => (await Message.findById(reply.id).lean())?.status === 'sent', 10_000, 'reply marked sent');
  expect(reply.order).toBe((await Message.findById(reply.id).lean())?.order);
  expect((await Message.find({ workspace, channel: 'widget' }).lean()).length).toBe(2);
  tab1.close();
  tab2.close();
});
