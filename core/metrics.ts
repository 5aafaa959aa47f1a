import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Figures } from './agents/handoff-figures.js';

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
      handoffs?: () => Promise<{ workspace: string; figures: Figures }[]>;
    } = {},
  ) {
    const { queueDepth, lastRetentionRun, overdueRequests } = sources;
    handoffGauges(this.registry, sources.handoffs);
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

/**
 * The handoff figures (core/agents/handoff-figures.ts) as gauges, read from Redis on each scrape,
 * so every process reports the deployment's figures over the last 7 days. One read serves all
 * five gauges of a scrape.
 */
function handoffGauges(registry: Registry, source: (() => Promise<{ workspace: string; figures: Figures }[]>) | undefined): void {
  if (!source) return;
  let read: { at: number; value: Promise<{ workspace: string; figures: Figures }[]> } | undefined;
  const figures = () => {
    if (!read || Date.now() - read.at > 1000) read = { at: Date.now(), value: source().catch(() => []) };
    return read.value;
  };
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (set: (labels: Record<string, string>, v: number) => void, f: Figures, workspace: string) => void,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const { workspace, figures: f } of await figures()) fill((labels, v) => this.set(labels, v), f, workspace);
      },
    });
  gauge('switchboard_handoff_queue_length', 'Conversations waiting for an agent, per workspace and team', ['workspace', 'team'], (set, f, workspace) => {
    for (const t of f.teams) set({ workspace, team: t.team }, t.queue.length);
  });
  gauge(
    'switchboard_handoff_oldest_wait_seconds',
    'How long the longest-waiting conversation has waited (0: none waits)',
    ['workspace', 'team'],
    (set, f, workspace) => {
      for (const t of f.teams) set({ workspace, team: t.team }, t.queue.oldestWaitSeconds ?? 0);
    },
  );
  gauge(
    'switchboard_handoff_first_reply_seconds',
    'Time from handoff to the first agent reply over the last 7 days, per workspace, team and quantile',
    ['workspace', 'team', 'quantile'],
    (set, f, workspace) => {
      for (const t of f.teams) {
        if (t.firstReply.p50Seconds !== undefined) set({ workspace, team: t.team, quantile: '0.5' }, t.firstReply.p50Seconds);
        if (t.firstReply.p95Seconds !== undefined) set({ workspace, team: t.team, quantile: '0.95' }, t.firstReply.p95Seconds);
      }
    },
  );
  gauge('switchboard_handoff_abandoned', 'Handoffs that ended before any agent answered, over the last 7 days', ['workspace', 'team'], (set, f, workspace) => {
    for (const t of f.teams) set({ workspace, team: t.team }, t.abandoned);
  });
  gauge('switchboard_agent_conversations', 'Per agent: open now, and handled over the last 7 days', ['workspace', 'agent', 'kind'], (set, f, workspace) => {
    for (const a of f.agents) {
      set({ workspace, agent: a.id, kind: 'open' }, a.open);
      set({ workspace, agent: a.id, kind: 'handled' }, a.handled);
    }
  });
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
