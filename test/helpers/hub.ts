import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { inject } from 'vitest';
import { builtinRegistry } from '../../adapters/index.js';
import { sign, signatureHeader } from '../../adapters/api/signature.js';
import { loadConfig } from '../../core/config/load.js';
import type { Config } from '../../core/config/schema.js';
import { repoRoot } from '../../core/embedded/ferretdb.js';
import { startHub, type Hub, type Role } from '../../core/hub.js';
import { createLogger } from '../../core/logger.js';
import type { FlowRegistry } from '../../flows/registry.js';
import { createFlowResponder } from '../../flows/setup.js';

export interface ApiAccountSpec {
  workspace: string;
  account: string;
  secret: string;
  webhookUrl: string;
}

export interface TestEnv {
  configFile: string;
  config: Config;
  mongoUri: string;
  redisUrl: string;
  prefix: string;
}

/**
 * Writes a config file for a fresh database and Redis prefix, as an operator
 * would, so in-process hubs and spawned worker processes share it.
 */
export function testEnv(options: {
  /** `api` channel accounts (may be empty when `channels` gives the workspace's other channels). */
  accounts: ApiAccountSpec[];
  /** Workspace id → channel id → that channel's account configs, for every other channel. */
  channels?: Record<string, Record<string, Record<string, unknown>[]>>;
  /** Workspace id → its `privacy` block (notice, keywords, ...). */
  privacy?: Record<string, Record<string, unknown>>;
  /** Top-level config additions (e.g. `demo: true`). */
  extra?: Record<string, unknown>;
  pipeline?: Record<string, number | string>;
  autoReply?: Record<string, string>;
  /** Workspace id → its flows (absolute path) and start flow. */
  flows?: Record<string, { path: string; start: string }>;
  /** Workspace id → admin API keys. */
  apiKeys?: Record<string, string[]>;
  /** Workspace id → secrets for flows' http nodes. */
  secrets?: Record<string, Record<string, string>>;
  /** Workspace id → CRM webhook for leads. */
  crm?: Record<string, { webhookUrl: string; secret: string }>;
  /** Workspace id → event webhook. */
  events?: Record<string, { webhookUrl: string; secret: string; types?: string[] }>;
  /** Workspace id → any other workspace settings (teams, routing, ...). */
  workspaces?: Record<string, Record<string, unknown>>;
  /** The MongoDB server (a URI without database, ending in `/`) and Redis; default: vitest's global setup (test/setup/services.ts). */
  services?: { mongoBase: string; redisUrl: string };
}): TestEnv {
  const id = randomBytes(4).toString('hex');
  const services = options.services ?? { mongoBase: inject('mongoBase'), redisUrl: inject('redisUrl') };
  const mongoUri = `${services.mongoBase}sbtest_${id}`;
  const prefix = `sbtest-${id}`;
  const workspaces = [...new Set([...options.accounts.map((a) => a.workspace), ...Object.keys(options.channels ?? {})])].map((ws) => ({
    id: ws,
    name: `Workspace ${ws}`,
    texts: { autoReply: options.autoReply?.[ws] ?? `auto-reply from ${ws}` },
    // The receivers, CRMs and order APIs of the tests listen on loopback, which workspaces may not call by default.
    outbound: { allow: ['127.0.0.1'] },
    ...(options.flows?.[ws] ? { flows: options.flows[ws] } : {}),
    ...(options.apiKeys?.[ws] ? { apiKeys: options.apiKeys[ws] } : {}),
    ...(options.crm?.[ws] ? { crm: options.crm[ws] } : {}),
    ...(options.events?.[ws] ? { events: options.events[ws] } : {}),
    ...(options.secrets?.[ws] ? { secrets: options.secrets[ws] } : {}),
    ...(options.privacy?.[ws] ? { privacy: options.privacy[ws] } : {}),
    ...options.workspaces?.[ws],
    channels: {
      ...(options.accounts.some((a) => a.workspace === ws)
        ? {
            api: options.accounts
              .filter((a) => a.workspace === ws)
              .map(({ account, secret, webhookUrl }) => ({ account, secret, webhookUrl, timeoutMs: 2000 })),
          }
        : {}),
      ...options.channels?.[ws],
    },
  }));
  const config = {
    server: { port: 0 },
    mongodb: { uri: mongoUri },
    redis: { url: services.redisUrl, prefix },
    pipeline: { outboundBackoffMs: 50, lockMs: 2000, ...options.pipeline },
    ...options.extra,
    workspaces,
  };
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const configFile = join(dir, 'switchboard.yaml');
  // JSON is valid YAML; the loader still reads it as YAML.
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return { configFile, config: loadConfig(configFile, builtinRegistry().loadOptions()), mongoUri, redisUrl: services.redisUrl, prefix };
}

/**
 * Starts a hub in this process, with its workspaces' flows as `switchboard start` would;
 * with `logs`, every JSON log line (info and up) is collected there.
 */
export async function startTestHub(env: TestEnv, role: Role = 'all', logs?: string[]): Promise<Hub & { flows: Map<string, FlowRegistry> }> {
  const logger = logs
    ? createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } })
    : createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const { responder, registries } = createFlowResponder({ config: env.config, channels: builtinRegistry(), logger });
  const hub = await startHub({
    config: env.config,
    registry: builtinRegistry(),
    role,
    mongoUri: env.mongoUri,
    redisUrl: env.redisUrl,
    logger,
    responder,
  });
  return Object.assign(hub, { flows: registries });
}

/**
 * A hub in its own OS process (`switchboard start`), e.g. to run several workers or SIGKILL one;
 * its output goes to this process's, or to the file descriptor `output` (e.g. an open log file).
 */
export function spawnHub(env: TestEnv, role: Role, options: { output?: number; logLevel?: string } = {}): ChildProcess {
  const output = options.output ?? 'inherit';
  const child = spawn(process.execPath, [join(repoRoot, 'bin/switchboard.js'), 'start', '--config', env.configFile, '--role', role], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: options.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', output, output],
  });
  return child;
}

export async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

/** POSTs a body to the api channel, signed with `secret` unless a signature is given. */
export async function postApi(
  hubUrl: string,
  account: string,
  body: unknown,
  options: { secret?: string; signature?: string | null } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature === undefined ? sign(raw, options.secret ?? '') : options.signature;
  if (signature !== null) headers[signatureHeader] = signature;
  const res = await fetch(`${hubUrl}/channels/api/${account}/messages`, { method: 'POST', headers, body: raw });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Drops the test's database and Redis keys. Call after the hub stopped. */
export async function cleanup(env: TestEnv): Promise<void> {
  const conn = await mongoose.createConnection(env.mongoUri).asPromise();
  await conn.dropDatabase();
  await conn.close();
  const redis = new Redis(env.redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}

/** Polls until `check` returns true. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000, what = 'condition', intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
