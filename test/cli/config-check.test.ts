import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/switchboard.js', ...args], { env: { ...process.env, DEMO_API_SECRET: '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

it('`switchboard config check` accepts the demo config', async () => {
  const res = await run('config', 'check');
  expect(res).toMatchObject({ code: 0, stdout: 'config/switchboard.yaml: ok (1 workspace(s), 2 channel account(s))\n' });
});

it('`switchboard config check` prints file:line:col for each problem and exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
  const file = join(dir, 'broken.yaml');
  writeFileSync(file, 'server:\n  port: 99999\nworkspaces:\n  - id: shop\n    name: Shop\n    colour: red\n');
  const res = await run('config', 'check', file);
  expect(res.code).toBe(1);
  expect(res.stderr.trim().split('\n')).toEqual([
    `${file}:2:9: server.port: expected a port number up to 65535`,
    `${file}:6:5: workspaces.0.colour: unknown key "colour"`,
  ]);
});

it('`switchboard api-key` makes a key whose config entry, holding only its hash, the config accepts', async () => {
  const res = await run('api-key', '--scopes', 'read,privacy', '--name', 'dpo');
  expect(res.code).toBe(0);
  const key = /^key: +(sb_\S+)$/m.exec(res.stdout)?.[1];
  const entry = /^config: (- .*)$/m.exec(res.stdout)?.[1];
  expect(key).toMatch(/^sb_[A-Za-z0-9_-]{32}$/);
  expect(entry).not.toContain(key);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
  const file = join(dir, 'keys.yaml');
  writeFileSync(file, `workspaces:\n  - id: shop\n    name: Shop\n    apiKeys:\n      ${entry}\n`);
  expect(await run('config', 'check', file)).toMatchObject({ code: 0 });
  expect((await run('api-key', '--scopes', 'read,delete')).code).not.toBe(0);
});
