/**
 * Scenario 9: a soak at moderate load (an hour; 2 minutes in CI). One hub process (role `all`,
 * so one heap holds everything) answers 20 messages a second over 200 conversations; every 10 s
 * the suite reads its heap, RSS and open handles from /metrics and Redis's used memory. Reported:
 * the slopes after the first fifth (warm-up: caches, connection pools, JIT), in MB per hour.
 */
import { Redis } from 'ioredis';
import {
  apiHubUnderTest,
  firstAnswered,
  now,
  recoveryFrom,
  Sender,
  sharedServices,
  sleep,
  tallyApi,
  untilAnswered,
  type Row,
  type Scenario,
} from '../harness.js';

const secret = 'reliability-soak-secret';
const rate = 20;
const sampleEveryMs = 10_000;
/** Growth that fails the full run: a leak of a few KB per message shows well above it. */
const maxHeapSlopeMBh = 20;

interface Sample {
  at: number;
  heapMB: number;
  rssMB: number;
  handles: number;
  redisMB: number;
}

/** Least-squares slope of `value` over time, per hour. */
function slopePerHour(samples: Sample[], value: (s: Sample) => number): number {
  if (samples.length < 2) return 0;
  const xs = samples.map((s) => s.at / 3_600_000);
  const ys = samples.map(value);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((n, x, i) => n + (x - mx) * (ys[i]! - my), 0);
  const den = xs.reduce((n, x) => n + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}

const metric = (text: string, name: string) => Number(new RegExp(`^switchboard_${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

export const soak: Scenario = {
  name: 'soak',
  async run({ short }): Promise<Row> {
    const seconds = short ? 120 : 3600;
    const users = 200;
    const { redis, mongo } = await sharedServices();
    const hub = await apiHubUnderTest('soak', { mongoUri: mongo.uri, redisUrl: redis.url }, { secret });
    const { receiver } = hub;
    const redisClient = new Redis(redis.url);
    const samples: Sample[] = [];
    try {
      await hub.spawn('all');
      const message = (i: number) => hub.message({ id: `soak-${i}`, user: `u${i % users}`, text: `message ${i}` });
      await firstAnswered(new Sender(), receiver, message(-1));

      const sample = async () => {
        const text = await (await fetch(`${hub.url}/metrics`)).text();
        const info = await redisClient.info('memory');
        samples.push({
          at: now(),
          heapMB: metric(text, 'nodejs_heap_size_used_bytes') / 2 ** 20,
          rssMB: metric(text, 'process_resident_memory_bytes') / 2 ** 20,
          handles: metric(text, 'nodejs_active_handles_total'),
          redisMB: Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN) / 2 ** 20,
        });
      };
      const sender = new Sender();
      const started = now();
      const total = rate * seconds;
      const sending: Promise<void>[] = [];
      let nextSample = started;
      for (let i = 0; i < total; i++) {
        const due = started + (i * 1000) / rate;
        if (now() >= nextSample) {
          await sample();
          nextSample += sampleEveryMs;
        }
        const wait = due - now();
        if (wait > 0) await sleep(wait);
        sending.push(sender.deliver(message(i)));
      }
      await Promise.all(sending);
      const end = now();
      await untilAnswered(receiver, sender.accepted.keys(), 60_000);
      await sample();

      const steady = samples.filter((s) => s.at - started >= ((end - started) * 1) / 5);
      const heap = slopePerHour(steady, (s) => s.heapMB);
      const rss = slopePerHour(steady, (s) => s.rssMB);
      const redisSlope = slopePerHour(steady, (s) => s.redisMB);
      const first = steady[0] ?? samples[0]!;
      const last = samples.at(-1)!;
      const tally = await tallyApi(hub.env.mongoUri, 'shop', [...sender.accepted.keys(), 'soak--1'], receiver);
      // Two minutes tell too little about a slope to fail on it; the hour does.
      const pass = tally.lost === 0 && tally.duplicated === 0 && sender.http5xx === 0 && (short || heap <= maxHeapSlopeMBh);
      return {
        scenario: soak.name,
        messages: total,
        lost: tally.lost,
        duplicated: tally.duplicated,
        resent: tally.resent,
        http5xx: sender.http5xx,
        maxAckMs: sender.maxAckMs,
        recoveryMs: recoveryFrom(end, sender.accepted.keys(), receiver.firstReplyAt),
        pass,
        criteria: `${rate} msg/s for ${seconds} s: nothing lost or duplicated, no 5xx${short ? '' : `, heap slope ≤ ${maxHeapSlopeMBh} MB/h`}`,
        notes: [
          `slopes after warm-up (${steady.length} samples every ${sampleEveryMs / 1000} s): heap ${heap.toFixed(1)} MB/h, RSS ${rss.toFixed(1)} MB/h, Redis ${redisSlope.toFixed(1)} MB/h`,
          `heap ${first.heapMB.toFixed(1)} → ${last.heapMB.toFixed(1)} MB, RSS ${first.rssMB.toFixed(1)} → ${last.rssMB.toFixed(1)} MB, open handles ${first.handles} → ${last.handles}, Redis ${first.redisMB.toFixed(1)} → ${last.redisMB.toFixed(1)} MB`,
          ...tally.notes,
        ],
      };
    } finally {
      redisClient.disconnect();
      await hub.stop();
    }
  },
};
