import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { ForbiddenError, PayloadError, SignatureError, UnavailableError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { bearerMatches } from './metrics-auth.js';
import { readinessOf, type ReadinessChecks } from './readiness.js';
import type { HttpRouter, RawRequest, RouteHandler, UpgradeHandler } from './router.js';

export interface AppOptions {
  logger: Logger;
  /** Mounted at `/api` with its own authentication (see admin.ts). */
  admin?: express.Router;
  /** Agents' sign-in, mounted at `/console/api` (see console-auth.ts). */
  console?: express.Router;
  /** The agents' console app (core/console/pages.ts), mounted at `/console` after `console`, with its own CSP. */
  consolePages?: express.Router;
  metrics: Metrics;
  bodyLimitBytes: number;
  /** `server.trustProxy`: proxies whose X-Forwarded-For gives `req.ip` (see client-address.ts). */
  trustProxy: number;
  /** What `/readyz` asks, by the name it reports when one fails (`mongodb`, `redis`). */
  readiness: ReadinessChecks;
  /** `server.metricsToken`: `/metrics` needs it as a bearer token; without it, `/metrics` is open. */
  metricsToken?: string;
}

/** The express app with health, readiness, metrics, security headers and JSON errors. */
export function createApp(options: AppOptions): { app: Express; router: HttpRouter; upgrades: ReadonlyMap<string, UpgradeHandler>; finish(): void } {
  const { logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);
  app.use(helmet());

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const failing = await readinessOf(options.readiness, logger);
    // Only the names: an error's text can carry a host, a user or a path, and /readyz is unauthenticated.
    if (failing.length) res.status(503).json({ status: 'unavailable', failing });
    else res.json({ status: 'ready' });
  });
  app.get('/metrics', async (req, res) => {
    if (options.metricsToken !== undefined && !bearerMatches(req.headers.authorization, options.metricsToken)) {
      res.status(401).set('www-authenticate', 'Bearer realm="metrics"').json({ error: 'unauthorized', message: 'a bearer token is required' });
      return;
    }
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });

  if (options.admin) app.use('/api', options.admin);
  if (options.console) app.use('/console/api', options.console);
  if (options.consolePages) app.use('/console', options.consolePages);

  // Raw bytes, because webhook signatures are computed over the exact body.
  const raw = express.raw({ type: () => true, limit: options.bodyLimitBytes });
  const wrap =
    (handler: RouteHandler) =>
    async (req: Request, res: Response): Promise<void> => {
      const request: RawRequest = {
        method: req.method,
        // The client behind `server.trustProxy` proxies (the peer itself when there are none).
        remoteAddress: req.ip,
        params: req.params as Record<string, string>,
        headers: req.headers as Record<string, string | undefined>,
        query: req.query as Record<string, string | undefined>,
        rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      };
      const out = await handler(request);
      res.status(out.status);
      if (out.headers) res.set(out.headers);
      if (out.raw !== undefined) res.send(out.raw);
      else res.json(out.body ?? {});
    };
  const upgrades = new Map<string, UpgradeHandler>();
  const router: HttpRouter = {
    post: (path, handler) => void app.post(path, raw, wrap(handler)),
    get: (path, handler) => void app.get(path, wrap(handler)),
    upgrade: (path, handler) => {
      if (upgrades.has(path)) throw new Error(`an upgrade handler for ${path} is already mounted`);
      upgrades.set(path, handler);
    },
  };

  /** Call after adapters mounted their routes: adds the 404 and error handlers last. */
  const finish = (): void => {
    app.use((req, res) => void res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` }));
    const onError: ErrorRequestHandler = (err, req, res, _next) => {
      const e = err as Error & { status?: number; type?: string };
      let status = 500;
      let code = 'internal';
      if (e instanceof SignatureError) [status, code] = [401, 'unauthorized'];
      else if (e instanceof ForbiddenError) [status, code] = [403, 'forbidden'];
      else if (e instanceof PayloadError) [status, code] = [400, 'bad_request'];
      else if (e instanceof UnavailableError) {
        [status, code] = [503, 'unavailable'];
        res.set('Retry-After', String(e.retryAfterSeconds));
      } else if (e.type === 'entity.too.large') [status, code] = [413, 'payload_too_large'];
      else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) [status, code] = [e.status, 'bad_request'];
      // Never the body: it may hold personal data. The path is enough to find the caller.
      const log = { method: req.method, path: req.path, status, reason: e.message };
      if (status === 503) logger.warn(log, 'request refused for now');
      else if (status >= 500) logger.error({ ...log, err }, 'request failed');
      else logger.warn(log, 'request rejected');
      res.status(status).json({ error: code, message: status === 503 ? 'unavailable, try again later' : status >= 500 ? 'internal error' : e.message });
    };
    app.use(onError);
  };
  return { app, router, upgrades, finish };
}
