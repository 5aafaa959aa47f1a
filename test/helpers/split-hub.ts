import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import type { Hub } from '../../core/hub.js';
import { Receiver } from './receiver.js';
import { cleanup, exited, spawnHub, startTestHub, testEnv, type TestEnv } from './hub.js';

export interface SplitHub {
  receiver: Receiver;
  env: TestEnv;
  /** The `web` role, in this process (so tests can read the store through its connection). */
  web: Hub;
  /** Starts one more `switchboard start --role worker` process; stopped after the file. */
  spawnWorker(): ChildProcess;
}

/**
 * A deployment split as in production: one web process here and worker
 * processes of their own, one api account whose webhook is `receiver`.
 * Registers its set-up and tear-down with the test file.
 */
export function useSplitHub(secret: string): SplitHub {
  const workers: ChildProcess[] = [];
  const split = {
    spawnWorker() {
      const child = spawnHub(split.env, 'worker');
      workers.push(child);
      return child;
    },
  } as SplitHub;

  beforeAll(async () => {
    split.receiver = await new Receiver(secret).start();
    split.env = testEnv({ accounts: [{ workspace: 'shop', account: 'shop-app', secret, webhookUrl: split.receiver.url }] });
    split.web = await startTestHub(split.env, 'web');
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map(exited));
    await split.web?.stop();
    await split.receiver?.stop();
    if (split.env) await cleanup(split.env);
  });
  return split;
}
