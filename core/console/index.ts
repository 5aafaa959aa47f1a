import type { Redis } from 'ioredis';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { SignIn } from '../agents/sign-in.js';
import type { Config } from '../config/schema.js';
import type { UpgradeHandler } from '../http/router.js';
import { consoleBundle } from './bundle.js';
import { ConsoleFanout } from './fanout.js';
import { consolePages } from './pages.js';
import { consoleSocket, consoleSocketPath } from './socket.js';

export interface ConsoleServer {
  /** Mounted at `/console` (pages.ts), after `/console/api`. */
  pages: Router;
  socket: { path: string; upgrade: UpgradeHandler };
  stop(): Promise<void>;
}

/** The console in a web process: its bundle built, its pages, its socket and the one Redis subscriber feeding them. */
export async function startConsole(options: { config: Config; signIn: SignIn; subscriber: Redis; logger: Logger }): Promise<ConsoleServer> {
  const { config, logger } = options;
  const bundle = await consoleBundle();
  logger.info(
    { jsBytes: bundle.js.raw.length, jsGzipBytes: bundle.js.gzip.length, cssBytes: bundle.css.raw.length, cssGzipBytes: bundle.css.gzip.length },
    'console bundled',
  );
  const fanout = new ConsoleFanout(options.subscriber, { prefix: config.redis.prefix, workspaces: config.workspaces.map((w) => w.id), logger });
  await fanout.start();
  const socket = consoleSocket({ signIn: options.signIn, fanout, logger });
  return {
    pages: consolePages(bundle),
    socket: { path: consoleSocketPath, upgrade: socket.upgrade },
    async stop() {
      socket.stop();
      await fanout.close();
    },
  };
}
