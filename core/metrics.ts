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

  constructor(queueDepth?: () => Promise<{ inbound: number; outbound: number }>) {
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
  }
}
