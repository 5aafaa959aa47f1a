import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Hub } from '../../core/hub.js';
import { RetentionRun } from '../../core/store/retention-run.js';
import { cleanup, eventually, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

let env: TestEnv;
let hub: Hub;

beforeAll(async () => {
  env = testEnv({
    accounts: [{ workspace: 'shop', account: 'shop-app', secret: 'sched-secret-0123456789', webhookUrl: 'http://127.0.0.1:9/replies' }],
    privacy: { shop: { retention: { conversations: '90d', consents: { after: '12mo', action: 'anonymise' } } } },
    // Every second, so the test sees a scheduled sweep (the default is daily at 03:30).
    pipeline: { retentionSchedule: '* * * * * *' },
  });
  hub = await startTestHub(env);
});
afterAll(async () => {
  await hub?.stop();
  if (env) await cleanup(env);
});

it('sweeps on its schedule, one job per tick, and reports the latest run in the metrics', async () => {
  await eventually(async () => (await RetentionRun.countDocuments({ trigger: 'schedule', status: 'done' })) > 0, 10_000, 'a scheduled sweep');
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  const last = Number(/^switchboard_retention_last_run_timestamp_seconds (\S+)$/m.exec(metrics)?.[1]);
  expect(Date.now() / 1000 - last).toBeLessThan(30);
  expect(metrics).toMatch(/switchboard_retention_swept\{kind="conversations"\} 0/);
  expect(metrics).toMatch(/switchboard_retention_oldest_past_policy_seconds\{kind="consents"\} 0/);
});
