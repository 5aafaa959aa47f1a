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
  /** Mean sync time (ms) within each tenth of the turns, in call order: shows whether it changes as the run goes on. */
  syncMeanByTenthMs: number[];
}

/** Wraps the hub's responder and times every turn, without changing what it answers. */
export class TimedResponder implements Responder {
  private sync: number[] = [];
  private settled: number[] = [];
  private idle = 0;
  /** The measured turns, for {@link replay}. */
  private turns: Turn[] = [];

  constructor(private readonly inner: Responder) {}

  async respond(turn: Turn): Promise<TurnOutcome> {
    if (!turn.message) this.idle++;
    this.turns.push(turn);
    const start = performance.now();
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
    this.turns = [];
  }

  /**
   * Runs the recorded turns again, back to back, `times` times over, and returns their sync
   * times like {@link times}: the same work without the rest of the hub interleaved. Only for
   * responders without side effects (a flow with no http node on the scripted path).
   */
  async replay(times = 3): Promise<Omit<ResponderTimes, 'idleTurns' | 'settledMs' | 'syncMeanByTenthMs'>> {
    const sync: number[] = [];
    for (let k = 0; k < times; k++) {
      for (const turn of this.turns) {
        const start = performance.now();
        const pending = this.inner.respond(turn);
        sync.push(performance.now() - start);
        await pending;
      }
    }
    return { turns: sync.length, syncMs: stats(sync) };
  }

  times(): ResponderTimes {
    const tenths = Array.from({ length: 10 }, (_, d) => {
      const part = this.sync.slice(Math.floor((d * this.sync.length) / 10), Math.floor(((d + 1) * this.sync.length) / 10));
      return part.length ? part.reduce((a, b) => a + b, 0) / part.length : 0;
    });
    return { turns: this.sync.length, idleTurns: this.idle, syncMs: stats(this.sync), settledMs: stats(this.settled), syncMeanByTenthMs: tenths };
  }
}

function stats(samples: number[]): ResponderTimes['syncMs'] {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return sorted.length ? { sum, mean: sum / sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) } : { sum: 0, mean: 0, p50: 0, p99: 0 };
}
