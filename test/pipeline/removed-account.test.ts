import { afterAll, expect, it } from 'vitest';
import { Message } from '../../core/store/message.js';
import { cleanup, eventually, postApi, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';
import { Receiver } from '../helpers/receiver.js';

const secret = 'removed-secret-0123456789';
let env: TestEnv | undefined;
let receiver: Receiver | undefined;
afterAll(async () => {
  await receiver?.stop();
  if (env) await cleanup(env);
});

it('fails a reply for good, without retries, when its account was removed from the config while it waited', async () => {
  receiver = await new Receiver(secret).start();
  env = testEnv({
    accounts: [
      { workspace: 'shop', account: 'kept', secret, webhookUrl: receiver.url },
      { workspace: 'shop', account: 'gone', secret, webhookUrl: receiver.url },
    ],
    pipeline: { outboundAttempts: 5 },
  });
  // A web process takes the message; no worker runs yet.
  const web = await startTestHub(env, 'web');
  expect((await postApi(web.url!, 'gone', { id: 'm1', user: 'ann', text: 'hello' }, { secret })).status).toBe(202);
  await web.stop();

  // The operator removes the account; the workers that start next still find the message queued.
  const workspace = env.config.workspaces[0]!;
  const withoutGone = {
    ...env,
    config: { ...env.config, workspaces: [{ ...workspace, channels: { api: workspace.channels.api!.filter((a) => a.account !== 'gone') } }] },
  };
  const hub = await startTestHub(withoutGone);
  try {
    await eventually(
      async () => (await Message.find({ workspace: 'shop', account: 'gone', direction: 'out' }).lean()).some((m) => m.status === 'failed'),
      20_000,
      'the reply failed',
    );
    const [reply] = await Message.find({ workspace: 'shop', account: 'gone', direction: 'out' }).lean();
    expect([reply!.attempts, reply!.error?.platformCode, reply!.error?.retryable]).toEqual([1, 'account_not_configured', false]);
    expect(receiver.replies).toHaveLength(0);
  } finally {
    await hub.stop();
  }
});
