import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The hub's Prometheus metrics, one registry per hub (tests run several in one process). */
export class Metrics {
  readonly registry = new Registry();
  readonly messagesIn = new Counter({
    name: 'switchboard_messages_in_total',
    help: 'Inbound messages queued, per channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly messagesOut = new Counter({
    name: 'switchboard_messages_out_total',
    help: 'Outbound messages by delivery outcome, per channel',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly redactions = new Counter({
    name: 'switchboard_redactions_total',
    help: 'Card numbers and workspace patterns removed from inbound messages before they were stored, per kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly processing = new Histogram({
    name: 'switchboard_processing_seconds',
    help: 'Time from receiving an inbound message to its reply being accepted by the channel',
    labelNames: ['channel'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly routing = new Histogram({
    name: 'switchboard_routing_seconds',
    help: 'Time the router spends on one inbound message (store, respond, queue replies)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  /**
   * Read on each scrape: `queueDepth`; `lastRetentionRun`, the latest finished retention sweep,
   * whichever process ran it; `overdueRequests`, unfinished data-subject requests past their
   * deadline per workspace.
   */
  constructor(
    sources: {
      queueDepth?: () => Promise<{ inbound: number; outbound: number }>;
      lastRetentionRun?: () => Promise<{ startedAt: Date; counts: { kind: string; count: number; oldest?: Date | null }[] } | null>;
      overdueRequests?: () => Promise<Map<string, number>>;
    } = {},
  ) {
    const { queueDepth, lastRetentionRun, overdueRequests } = sources;
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
    new Gauge({
      name: 'switchboard_queue_depth',
      help: 'Jobs waiting or delayed, per queue direction',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      async collect() {
        if (!queueDepth) return;
        const depth = await queueDepth();
        this.set({ queue: 'inbound' }, depth.inbound);
        this.set({ queue: 'outbound' }, depth.outbound);
      },
    });
    const lastRun = lastRetentionRun ? async () => lastRetentionRun().catch(() => null) : async () => null;
    new Gauge({
      name: 'switchboard_privacy_requests_overdue',
      help: 'Data-subject requests not answered by their deadline (one month, or the extension), per workspace',
      labelNames: ['workspace'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [workspace, n] of (await overdueRequests?.().catch(() => undefined)) ?? []) this.set({ workspace }, n);
      },
    });
    new Gauge({
      name: 'switchboard_retention_last_run_timestamp_seconds',
      help: 'When the latest finished retention sweep started (unix seconds)',
      registers: [this.registry],
      async collect() {
        const run = await lastRun();
        if (run) this.set(run.startedAt.getTime() / 1000);
      },
    });
    new Gauge({
      name: 'switchboard_retention_swept',
      help: 'Documents the latest finished retention sweep removed or anonymised, per kind',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [kind, n] of perKind(await lastRun(), (c) => c.count)) this.set({ kind }, n);
      },
    });
    new Gauge({
      name: 'switchboard_retention_oldest_past_policy_seconds',
      help: 'Age of the oldest document that was past its policy when the latest sweep began, per kind (0: none)',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const now = Date.now();
        for (const [kind, oldest] of perKind(await lastRun(), (c) => (c.oldest ? c.oldest.getTime() : Infinity), Math.min)) {
          this.set({ kind }, Number.isFinite(oldest) ? (now - oldest) / 1000 : 0);
        }
      },
    });
  }
}

/** A run's counts folded per kind (over workspaces and channels). */
function perKind<C extends { kind: string }>(
  run: { counts: C[] } | null,
  value: (c: C) => number,
  fold = (a: number, b: number) => a + b,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of run?.counts ?? []) out.set(c.kind, out.has(c.kind) ? fold(out.get(c.kind)!, value(c)) : value(c));
  return out;
}
