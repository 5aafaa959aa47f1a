import { performance } from 'node:perf_hooks';
import type { Responder, Turn, TurnOutcome } from '../core/responder.js';
import { percentile } from './report.js';

export interface ResponderTimes {
  turns: number;
  /** Of `turns`, those a flow's idle timer started (no inbound message). */
  idleTurns: number;
  /** Time inside `respond` until it returned its promise: the engine's CPU work (all of it for a flow without http). */
  syncMs: { sum: number; mean: number; p50: number; p99: number };
  /** Time until the promise settled: adds waiting (http calls, and the event loop's queue under load). */
  settledMs: { sum: number; mean: number; p50: number; p99: number };
}

/** Wraps the hub's responder and times every turn, without changing what it answers. */
export class TimedResponder implements Responder {
  private sync: number[] = [];
  private settled: number[] = [];
  private idle = 0;

  constructor(private readonly inner: Responder) {}

  async respond(turn: Turn): Promise<TurnOutcome> {
    const start = performance.now();
    if (!turn.message) this.idle++;
    const pending = this.inner.respond(turn);
    const sync = performance.now() - start;
    try {
      return await pending;
    } finally {
      this.sync.push(sync);
      this.settled.push(performance.now() - start);
    }
  }

  /** Forgets the turns so far (after a warm-up). */
  reset(): void {
    this.sync = [];
    this.settled = [];
    this.idle = 0;
  }

  times(): ResponderTimes {
    const of = (samples: number[]) => {
      const sorted = [...samples].sort((a, b) => a - b);
      const sum = sorted.reduce((a, b) => a + b, 0);
      return sorted.length ? { sum, mean: sum / sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) } : { sum: 0, mean: 0, p50: 0, p99: 0 };
    };
    return { turns: this.sync.length, idleTurns: this.idle, syncMs: of(this.sync), settledMs: of(this.settled) };
  }
}
