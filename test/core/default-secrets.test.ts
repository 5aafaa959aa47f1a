import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { isLoopbackHost } from '../../core/loopback.js';
import { cleanup, startTestHub, testEnv, type TestEnv } from '../helpers/hub.js';

const envs: TestEnv[] = [];
afterAll(async () => {
  for (const env of envs) await cleanup(env);
});

/** The environment of an operator who set none of the demo's secrets. */
function withoutDemoSecrets(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DEMO_') && k !== 'HOST'));
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

describe('the demo’s placeholder secrets', () => {
  it('`switchboard start` on 0.0.0.0 with the demo config refuses, naming each setting and its variable, and showing no secret', async () => {
    const run = promisify(execFile)(process.execPath, ['bin/switchboard.js', 'start', '--config', 'config/switchboard.yaml'], {
      env: withoutDemoSecrets({ HOST: '0.0.0.0', PORT: '0', MONGODB_URI: `${inject('mongoBase')}sbtest_defaults`, REDIS_URL: inject('redisUrl') }),
      timeout: 60_000,
    });
    const failed = (await run.then(
      () => undefined,
      (err: unknown) => err,
    )) as { code: number; stderr: string } | undefined;
    expect(failed?.code).toBe(1);
    const lines = failed!.stderr.trim().split('\n');
    expect(lines[0]).toBe(
      'switchboard: refusing to listen on 0.0.0.0: it is not a loopback address, and these settings still hold the demo\'s placeholder secrets (values containing "change-me"):',
    );
    expect(lines.slice(1, -1)).toEqual([
      '  config/switchboard.yaml:26:9: workspaces.0.apiKeys.0 (set DEMO_API_KEY)',
      '  config/switchboard.yaml:44:21: workspaces.0.privacy.pseudonymKey (set DEMO_PSEUDONYM_KEY)',
      '  config/switchboard.yaml:60:19: workspaces.0.channels.api.0.secret (set DEMO_API_SECRET)',
      '  config/switchboard.yaml:67:19: workspaces.0.channels.widget.0.secret (set DEMO_WIDGET_SECRET)',
    ]);
    expect(lines.at(-1)).toBe('Give each a secret of your own (in the environment), or listen on 127.0.0.1.');
    expect(failed!.stderr).not.toContain('demo-secret-change-me');
  });

  it('a hub on a non-loopback host with one placeholder secret does not start; on 127.0.0.1 it does', async () => {
    const secret = '${SHOP_SECRET_UNSET_IN_TESTS:-shop-secret-change-me}';
    const account = { workspace: 'shop', account: 'shop-app', secret, webhookUrl: 'http://127.0.0.1:9/replies' };
    const exposed = testEnv({ accounts: [account], extra: { server: { port: 0, host: '0.0.0.0' } } });
    envs.push(exposed);
    await expect(startTestHub(exposed)).rejects.toThrow(
      /refusing to listen on 0\.0\.0\.0.*\n {2}\S+switchboard\.yaml:\d+:\d+: workspaces\.0\.channels\.api\.0\.secret \(set SHOP_SECRET_UNSET_IN_TESTS\)\n/,
    );

    const local = testEnv({ accounts: [account], extra: { server: { port: 0, host: '127.0.0.1' } } });
    envs.push(local);
    const hub = await startTestHub(local, 'web');
    try {
      expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    } finally {
      await hub.stop();
    }
  });

  it('counts localhost, 127.0.0.0/8 and ::1 as loopback, and anything else as reachable', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])
      expect([host, isLoopbackHost(host)]).toEqual([host, true]);
    for (const host of ['0.0.0.0', '::', '', '10.0.0.1', '128.0.0.1', 'hub.example', '::2', '::ffff:10.0.0.1'])
      expect([host, isLoopbackHost(host)]).toEqual([host, false]);
  });
});
