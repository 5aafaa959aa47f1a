import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Histogram } from 'prom-client';
import { counterCells, counterHeaders, type PerMessage } from './counters.js';
import type { Sample } from './load.js';

export interface Summary {
  scenario: string;
  messages: number;
  /** messages / (last reply received − first POST sent) */
  throughput: number;
  wallMs: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  /** Reply rate (msg/s) within each tenth of the replies, in arrival order: shows whether the rate holds up as data grows. */
  decileRates: number[];
}

export function summarize(scenario: string, sample: Sample): Summary {
  const latencies = sample.arrivedAt.map((at, i) => at - sample.sentAt[i]!).sort((a, b) => a - b);
  const wallMs = largest(sample.arrivedAt) - smallest(sample.sentAt);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  return {
    scenario,
    messages: latencies.length,
    throughput: latencies.length / (wallMs / 1000),
    wallMs,
    latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), mean, max: latencies.at(-1)! },
    decileRates: decileRates(sample),
  };
}

function decileRates(sample: Sample): number[] {
  const arrivals = [...sample.arrivedAt].sort((a, b) => a - b);
  let start = smallest(sample.sentAt);
  const rates: number[] = [];
  for (let d = 1; d <= 10; d++) {
    const from = Math.floor(((d - 1) * arrivals.length) / 10);
    const to = Math.floor((d * arrivals.length) / 10);
    const end = arrivals[to - 1] ?? start;
    rates.push(to > from && end > start ? (to - from) / ((end - start) / 1000) : 0);
    start = end;
  }
  return rates;
}

/** Math.min/max without spreading: a long run's samples outgrow the call stack. */
const smallest = (values: number[]) => values.reduce((a, b) => Math.min(a, b), Infinity);
const largest = (values: number[]) => values.reduce((a, b) => Math.max(a, b), -Infinity);

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface HistogramSummary {
  count: number;
  meanMs: number;
  /** Upper bound (ms) of the bucket holding that percentile; null past the last bucket. */
  p50UpToMs: number | null;
  p99UpToMs: number | null;
  lastBucketMs: number;
  /** Cumulative count per upper bound (ms), in bucket order. */
  buckets: { leMs: number | '+Inf'; cumulative: number }[];
}

/** Count, mean and bucket-resolution percentiles of a prom-client histogram in seconds. */
export async function summarizeHistogram(histogram: Histogram): Promise<HistogramSummary> {
  const { values } = await histogram.get();
  const count = values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  const sum = values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  const buckets = values
    .filter((v) => v.metricName?.endsWith('_bucket'))
    .map((v) => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le) * 1000, cumulative: v.value }));
  const upTo = (p: number) => {
    const le = buckets.find((b) => b.cumulative >= (p / 100) * count)?.le;
    return le === undefined || le === Infinity ? null : le;
  };
  return {
    count,
    meanMs: count ? (sum / count) * 1000 : 0,
    p50UpToMs: upTo(50),
    p99UpToMs: upTo(99),
    lastBucketMs: Math.max(...buckets.filter((b) => b.le !== Infinity).map((b) => b.le)),
    buckets: buckets.map((b) => ({ leMs: b.le === Infinity ? ('+Inf' as const) : b.le, cumulative: b.cumulative })),
  };
}

/** One line: count, mean and bucket-resolution p50/p99. */
export function describeHistogram(name: string, h: HistogramSummary): string {
  const bound = (le: number | null) => (le === null ? `> ${h.lastBucketMs} ms` : `<= ${le} ms`);
  return `${name}: ${h.count} observed, mean ${h.meanMs.toFixed(1)} ms, p50 ${bound(h.p50UpToMs)}, p99 ${bound(h.p99UpToMs)}`;
}

/** Floor and hub rows; with `counters`, the per-message counters (bench/counters.ts) beside each throughput. */
export function printTable(floor: Summary, hub: Summary, counters?: { floor?: PerMessage; hub?: PerMessage }): void {
  const rows = [
    ['scenario', 'messages', 'msg/s', 'p50 ms', 'p99 ms', 'vs floor', ...(counters ? counterHeaders : [])],
    ...[floor, hub].map((s, i) => [
      s.scenario,
      String(s.messages),
      s.throughput.toFixed(1),
      s.latencyMs.p50.toFixed(1),
      s.latencyMs.p99.toFixed(1),
      `${(s.throughput / floor.throughput).toFixed(3)}x`,
      ...(counters ? counterCells(i === 0 ? counters.floor : counters.hub) : []),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
  console.log(`hub/floor throughput ratio: ${(hub.throughput / floor.throughput).toFixed(3)}`);
  for (const s of [floor, hub]) console.log(`${s.scenario} msg/s per tenth of replies: ${s.decileRates.map((r) => r.toFixed(0)).join(' ')}`);
}

/** Prints rows as an aligned table: the first row is the header, the first column left-aligned. */
export function printRows(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
}

/** Writes bench/results/<name>-<timestamp>.json; returns its path. */
export function writeResults(data: object, name = 'pipeline'): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
