import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from 'pino';

/** Repository root (this file is core/embedded/ferretdb.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const toolDir = join(repoRoot, 'tools/ferretdb');
const ferretdbBinary = join(repoRoot, '.cache/bin/ferretdb');

export interface EmbeddedMongo {
  uri: string;
  /** The server's process id (to measure its CPU, or to kill it in a fault test). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Builds the FerretDB tool (tools/ferretdb/build.sh) unless a build newer than its sources exists. */
async function ensureFerretdbBinary(logger?: Logger): Promise<string> {
  const sources = readdirSync(toolDir, { recursive: true, encoding: 'utf8' }).map((f) => statSync(join(toolDir, f)).mtimeMs);
  if (existsSync(ferretdbBinary) && statSync(ferretdbBinary).mtimeMs >= Math.max(...sources)) return ferretdbBinary;
  logger?.info('building the embedded FerretDB server (tools/ferretdb; the first build takes about a minute)');
  await promisify(execFile)(join(toolDir, 'build.sh'), [ferretdbBinary], { cwd: toolDir });
  return ferretdbBinary;
}

/** A TCP port on the loopback interface that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited with code ${child.exitCode} before listening`);
    const open = await new Promise<boolean>((ok) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        ok(true);
      });
      socket.once('error', () => ok(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`FerretDB did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts FerretDB (SQLite backend) on a free loopback port (or `port`, e.g. to start it again
 * where it was) with its files in `dataDir`. It exits when this process does, even on SIGKILL
 * (it watches its stdin).
 */
export async function startEmbeddedMongo(options: { dataDir: string; database?: string; logger?: Logger; port?: number }): Promise<EmbeddedMongo> {
  const binary = await ensureFerretdbBinary(options.logger);
  const port = options.port ?? (await freePort());
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // FERRETDB_PPROF (an address) serves the server's Go profiles, for looking into a benchmark.
  const pprof = process.env.FERRETDB_PPROF ? ['-pprof', process.env.FERRETDB_PPROF] : [];
  const child = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-dir', dataDir, '-exit-on-stdin-eof', ...pprof], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitForPort(port, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`, { cause: err });
  }
  options.logger?.info({ port, dataDir }, 'embedded FerretDB started');
  return {
    uri: `mongodb://127.0.0.1:${port}/${options.database ?? 'switchboard'}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
