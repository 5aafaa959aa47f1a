import { Router } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ChannelAdapter } from './adapter.js';
import type { Config } from './config/schema.js';
import { adminRouter, authenticate } from './http/admin.js';
import { ApiKeys } from './http/api-keys.js';
import { consoleAuthRouter } from './http/console-auth.js';
import { SignIn } from './agents/sign-in.js';
import { createApp } from './http/app.js';
import { clientAddress } from './http/client-address.js';
import { queueBoard } from './http/queue-board.js';
import { Metrics } from './metrics.js';
import { Queues } from './queue/queues.js';
import { connectRedis, warnIfEvicting, whileRedisAnswers } from './queue/redis.js';
import type { HttpRouter } from './http/router.js';
import type { AdapterRegistry } from './registry.js';
import { AutoReplyResponder, type Responder } from './responder.js';
import { TurnRunner } from './turn/runner.js';
import { connectStore, disconnectStore, pingStore } from './store/connect.js';
import { startWorkers, type Workers } from './pipeline/workers.js';
import { recordConsent } from './consent.js';
import { overdueCounts } from './privacy/requests.js';
import { dataMap } from './privacy/data-map.js';
import { PrivacyOperations } from './privacy/operations.js';
import { auditPolicyChanges } from './privacy/policy-audit.js';
import { followMarketingWithdrawal, marketingPurpose } from './privacy/marketing.js';
import { contactId } from './store/ids.js';
import { databaseGate } from './turn/database-gate.js';
import { conversationHistory, openConversationOf } from './history.js';
import { recordStatuses } from './statuses.js';
import { Redactor } from './privacy/redact.js';
import { RetentionRun } from './store/retention-run.js';
import { startAssignmentSweep } from './agents/assignment.js';
import { queuePlace } from './agents/queue-place.js';
import { requestTranscript } from './email/transcript-request.js';
import { routedAgents } from './agents/routing.js';
import { startConsole, type ConsoleServer } from './console/index.js';
import { contactTyping } from './typing/contact-typing.js';
import { refuseDefaultSecrets } from './default-secrets.js';

/** `all` runs web and workers in one process; `web` and `worker` split them for scale-out. */
export type Role = 'all' | 'web' | 'worker';

export interface HubOptions {
  config: Config;
  registry: AdapterRegistry;
  role: Role;
  mongoUri: string;
  redisUrl: string;
  logger: Logger;
  responder?: Responder;
  /** Extra routes for this process's HTTP server (e.g. the demo shop's order API). */
  routes?: (router: HttpRouter) => void;
}

export interface Hub {
  /** Base URL of the HTTP server, when this process serves HTTP. */
  url?: string;
  metrics: Metrics;
  queues: Queues;
  /** Graceful: stops taking requests, finishes in-flight jobs, closes queues and connections. */
  stop(): Promise<void>;
}

/** Starts one hub process in the given role. */
export async function startHub(options: HubOptions): Promise<Hub> {
  const { config, logger, role } = options;
  const web = role !== 'worker';
  const work = role !== 'web';
  // Before anything connects: a hub reachable from elsewhere must not run on the demo's guessable secrets.
  if (web) refuseDefaultSecrets(config);

  await connectStore(options.mongoUri, options.registry.collections());
  const redis = connectRedis(options.redisUrl);
  await warnIfEvicting(redis, logger);
  const queues = new Queues({
    connection: redis,
    prefix: config.redis.prefix,
    outboundAttempts: config.pipeline.outboundAttempts,
    logger,
  });
  const metrics = new Metrics({
    queueDepth: () => queues.depth(),
    lastRetentionRun: () =>
      RetentionRun.findOne({ status: { $in: ['done', 'failed'] }, finishedAt: { $exists: true } })
        .sort({ startedAt: -1 })
        .lean(),
    overdueRequests: () => overdueCounts(),
    handoffs: () =>
      Promise.all(config.workspaces.map(async (w) => ({ workspace: w.id, figures: await queues.figures.read(queues, w, await routedAgents(queues, w)) }))),
  });
  const adapters: Map<string, ChannelAdapter> = options.registry.build(config);
  const signIn = new SignIn(config, redis);
  const keys = new ApiKeys(config, redis);
  const privacy = new PrivacyOperations({ config, redis, queues, contracts: dataMap(options.registry), channelModels: options.registry.collections().models });
  const redactors = new Map(config.workspaces.map((w) => [w.id, new Redactor(w.privacy.redaction.patterns)]));

  let server: Server | undefined;
  /** Upgraded (WebSocket) connections: `server.close` would wait for them, so stop ends them; clients reconnect elsewhere. */
  const upgraded = new Set<Duplex>();
  let url: string | undefined;
  const agentConsole: ConsoleServer | undefined = web ? await startConsole({ config, signIn, subscriber: redis.duplicate(), logger }) : undefined;
  const http = web
    ? createApp({
        logger,
        metrics,
        bodyLimitBytes: config.server.bodyLimitBytes,
        trustProxy: config.server.trustProxy,
        admin: Router()
          .use(queueBoard(config, queues, authenticate({ signIn, keys })))
          // The web process has every adapter too (built and started in every role), so a typing indicator goes straight to the platform.
          .use(adminRouter(config, { privacy, signIn, keys, queues, typing: { redis, prefix: config.redis.prefix, adapters, logger } })),
        console: consoleAuthRouter(config, signIn),
        ...(agentConsole ? { consolePages: agentConsole.pages } : {}),
        readiness: { mongodb: pingStore, redis: () => whileRedisAnswers(redis, () => redis.ping()) },
        ...(config.server.metricsToken !== undefined ? { metricsToken: config.server.metricsToken } : {}),
      })
    : undefined;

  for (const [channel, adapter] of adapters) {
    await adapter.start({
      logger: logger.child({ channel }),
      http: http?.router,
      receive: async (received) => {
        // Before anything stores, queues, logs or shows them to a flow.
        const messages = received.map((m) => {
          const { message, removed } = redactors.get(m.address.workspace)?.inbound(m) ?? { message: m, removed: {} };
          for (const [kind, n] of Object.entries(removed)) metrics.redactions.inc({ kind }, n);
          return message;
        });
        // A webhook is answered within seconds: with Redis down or hung, 503 (the sender delivers again), not a hung request.
        await whileRedisAnswers(redis, () => queues.enqueueInbound(messages));
        // For the channels page only: a failure here must not fail a message that is queued already.
        await whileRedisAnswers(redis, () => queues.activity.received(messages.map((m) => m.address))).catch((err: unknown) =>
          logger.debug({ err: (err as Error).message }, 'account activity not noted'),
        );
        for (const m of messages) {
          metrics.messagesIn.inc({ channel: m.address.channel });
          // Debug only, and no platform id: on WhatsApp Web it carries the phone number.
          logger.debug({ channel: m.address.channel, account: m.address.account, workspace: m.address.workspace }, 'inbound queued');
        }
      },
      statuses: recordStatuses,
      // The consent mirrored on the contact changes what its next turn must read.
      consent: async (input) => {
        await recordConsent(input);
        await queues.staleSnapshot(input.address);
        const workspace = config.workspaces.find((w) => w.id === input.address.workspace);
        if (workspace && input.purpose === marketingPurpose && !input.granted) {
          await followMarketingWithdrawal({ workspace, queues, contact: contactId(input.address), eventId: input.evidence.key });
        }
      },
      history: conversationHistory,
      conversation: openConversationOf,
      queue: (address) =>
        queuePlace(
          queues,
          config.workspaces.find((w) => w.id === address.workspace)!,
          address,
        ),
      transcript: (at) =>
        requestTranscript(
          queues,
          config.workspaces.find((w) => w.id === at.address.workspace),
          at,
        ),
      redis: () => redis.duplicate(),
      keyPrefix: config.redis.prefix,
      clientAddress: (req) => clientAddress(req, config.server.trustProxy),
      serverHost: config.server.host,
      typing: contactTyping({ redis, prefix: config.redis.prefix }),
    });
  }

  if (http) {
    if (agentConsole) http.router.upgrade(agentConsole.socket.path, agentConsole.socket.upgrade);
    options.routes?.(http.router);
    http.finish();
    server = createServer(http.app);
    const upgrades = http.upgrades;
    // WebSocket upgrades go to the adapter that mounted the path; anything else is refused.
    server.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const handler = upgrades.get(path);
      if (handler) {
        upgraded.add(socket);
        socket.once('close', () => upgraded.delete(socket));
        return handler(req, socket, head);
      }
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((ok, fail) => {
      server!.once('error', (err: NodeJS.ErrnoException) =>
        fail(
          err.code === 'EADDRINUSE'
            ? new Error(`cannot listen on ${config.server.host}:${config.server.port}: the port is in use (set server.port or $PORT)`, { cause: err })
            : err,
        ),
      );
      server!.listen(config.server.port, config.server.host, ok);
    });
    const { port } = server.address() as AddressInfo;
    url = `http://${config.server.host}:${port}`;
    logger.info({ url, role }, 'HTTP listening');
  }

  let workers: Workers | undefined;
  let stopAssignmentSweep: (() => void) | undefined;
  if (work) {
    const turns = new TurnRunner({
      config,
      queues,
      responder: options.responder ?? new AutoReplyResponder(),
      channels: {
        capabilities: (channel, account) => {
          const adapter = adapters.get(channel);
          return adapter?.capabilitiesFor?.(account) ?? adapter?.capabilities;
        },
        ownForms: (channel) => options.registry.ownForms(channel),
      },
      // With several workspaces, one's burst may not hold up another's turns at the database (see database-gate.ts).
      ...(config.workspaces.length > 1
        ? { databaseGate: databaseGate({ perWorkspace: config.pipeline.databasePerWorkspace, total: config.pipeline.databaseConcurrency }) }
        : {}),
    });
    workers = startWorkers({ config, redis, queues, turns, adapters, metrics, logger, channelModels: options.registry.collections().models });
    stopAssignmentSweep = startAssignmentSweep({ queues, config, logger });
    logger.info({ role, concurrency: config.pipeline.concurrency }, 'workers started');
    // A changed privacy policy goes in the audit log; an erasure a crash interrupted is finished.
    void (async () => {
      await auditPolicyChanges(config.workspaces);
      const resumed = await privacy.resumeErasures('resume');
      if (resumed.length) logger.info({ requests: resumed }, 'interrupted erasures finished');
    })().catch((err: unknown) => logger.error({ err: (err as Error).message }, 'privacy start-up tasks failed'));
    if (config.pipeline.shards !== undefined)
      logger.warn('pipeline.shards is no longer used (messages are ordered per conversation); remove it, and set pipeline.concurrency instead');
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down');
      if (server) {
        const closed = new Promise((r) => server!.close(r));
        server.closeIdleConnections();
        for (const socket of upgraded) socket.destroy();
        await closed;
      }
      await agentConsole?.stop();
      stopAssignmentSweep?.();
      // Worker.close() waits for the jobs in progress to finish.
      await workers?.close();
      await Promise.all([...adapters.values()].map((a) => a.stop()));
      await queues.close();
      await redis.quit();
      await disconnectStore();
      logger.info('stopped');
    })());

  return { url, metrics, queues, stop };
}
