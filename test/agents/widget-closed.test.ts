import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addAgent } from '../../core/agents/accounts.js';
import { signInAgent } from '../helpers/agent.js';
import { consoleCall } from '../helpers/api-chat.js';
import { cleanup, eventually, type TestEnv } from '../helpers/hub.js';
import { freePort, startWidgetHub, WidgetClient, widgetEnv } from '../widget/helpers.js';

// Outside opening hours the widget takes the offline path: the contact hears when people answer,
// and the hub says `offline` however many agents are online, so the widget shows its offline form.

const day = 24 * 3600_000;
const utcDay = (offset: number) => new Date(Date.now() + offset * day).toISOString().slice(0, 10);
const hours = {
  timeZone: 'UTC',
  weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']])),
  holidays: [utcDay(0), utcDay(1)],
};
const password = 'correct horse battery staple';
let env: TestEnv;
let hub: Awaited<ReturnType<typeof startWidgetHub>>;
let origin: string;

beforeAll(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  env = widgetEnv({ port, flows: { path: join(import.meta.dirname, 'routing-flows'), start: 'support' }, workspace: { teams: [{ id: 'support' }], hours } });
  hub = await startWidgetHub(env);
  await addAgent({ workspace: 'shop', email: 'anna@shop.example', displayName: 'Anna', role: 'agent', password, actor: 'test' });
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

it('tells a widget visitor when people answer and answers `offline`, even with an agent online', async () => {
  const cookie = await signInAgent(hub.url!, 'anna@shop.example', password);
  expect((await consoleCall(hub.url!, cookie, '/presence', { active: true })).body.presence).toBe('online');
  const visitor = await new WidgetClient(hub.url!, { origin }).open();
  await visitor.sendText('hello');
  await visitor.until(() => visitor.replies().some((m) => m.text?.startsWith('We are closed right now and will answer from ')), 'the closed notice');
  // Asked again until the handoff's turn has stored the wait (its reply can arrive first).
  let answer: unknown;
  await eventually(
    async () => {
      const before = visitor.frames.length;
      visitor.send({ t: 'queue' });
      await visitor.until(() => visitor.frames.slice(before).some((f) => f.t === 'queue'), 'the queue answer');
      answer = visitor.frames.slice(before).find((f) => f.t === 'queue');
      return Object.keys(answer as object).length > 1;
    },
    5_000,
    'a place in line',
  );
  expect(answer).toEqual({ t: 'queue', position: 1, offline: true });
  visitor.close();
});
