import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Hub } from '../../core/hub.js';
import { ConsentEvent } from '../../core/store/consent.js';
import { cleanup, type TestEnv } from '../helpers/hub.js';
import { freePort, startWidgetHub, visitorIdOf, WidgetClient, widgetEnv, workspace } from './helpers.js';

// The one case where an IP address is stored: the workspace switched `privacy.storeIp` on (see security.test.ts for the default).
let env: TestEnv;
let hub: Hub;
beforeAll(async () => {
  const port = await freePort();
  env = widgetEnv({ port, autoReply: 'Thanks.', storeIp: true });
  hub = await startWidgetHub(env);
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

it('with privacy.storeIp on, keeps the peer address with the consent proof', async () => {
  const client = await new WidgetClient(hub.url!).open();
  const user = visitorIdOf(client.visitor!);
  const id = randomUUID();
  client.send({ t: 'consent', id, purpose: 'marketing', granted: true });
  await client.until(() => client.frames.some((f) => f.t === 'ack' && f.id === id), 'ack');
  const [event] = await ConsentEvent.find({ workspace, channel: 'widget', user, purpose: 'marketing' }).lean();
  expect([event?.granted, event?.evidence?.ip]).toEqual([true, '127.0.0.1']);
  client.close();
});
