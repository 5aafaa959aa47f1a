/**
 * Scenario 4: Redis goes away for 30 s (short: 10 s) while messages keep arriving. The suite's own
 * redis-server (appendonly, its own port and directory) is SIGKILLed and started again on the same
 * port and directory: a crash, as a real outage is, in which only what reached the append-only file
 * survives (Redis writes it before it answers, so a crash of the process loses nothing
 * acknowledged). `redis-hang` SIGSTOPs it instead: connections stay open and nothing answers, the
 * case that needs a timeout rather than a refused connection.
 * While Redis is gone the webhook must refuse quickly with 503, the sender (a platform) redelivers
 * with backoff, and once Redis is back every accepted message is answered, once.
 */
import {
  apiHubUnderTest,
  firstAnswered,
  now,
  recoveryFrom,
  Sender,
  sendSpread,
  sharedServices,
  sleep,
  startRedisServer,
  tallyApi,
  untilAnswered,
  type Row,
  type Scenario,
} from '../harness.js';

const secret = 'reliability-redis-outage-secret';
/** The slowest acceptable webhook answer while Redis is gone (the platform's patience is a few seconds). */
const maxRefusalMs = 5000;

function redisOutage(kind: 'crash' | 'hang'): Scenario {
  const name = kind === 'crash' ? 'redis-outage' : 'redis-hang';
  return {
    name,
    async run({ short }): Promise<Row> {
      const outageMs = short ? 10_000 : 30_000;
      const messages = short ? 300 : 1000;
      const users = 50;
      const before = 3000;
      const after = 3000;
      const { mongo } = await sharedServices();
      const redis = await startRedisServer({ name, appendonly: true, preferredPort: 6391 });
      const hub = await apiHubUnderTest(name, { mongoUri: mongo.uri, redisUrl: redis.url }, { secret });
      const { receiver } = hub;
      try {
        await hub.spawn('web');
        await hub.spawn('worker');
        const sender = new Sender({ timeoutMs: 15_000, firstBackoffMs: 500, maxBackoffMs: 4000 });
        const deliveries = Array.from({ length: messages }, (_, i) => hub.message({ id: `${name}-${i}`, user: `u${i % users}`, text: `message ${i}` }));
        await firstAnswered(sender, receiver, deliveries[0]!);
        // The rest arrive evenly across before + outage + after.
        const sending = sendSpread(sender, deliveries.slice(1), before + outageMs + after);
        await sleep(before);
        const faultStart = now();
        if (kind === 'crash') await redis.kill();
        else redis.freeze();
        await sleep(outageMs);
        if (kind === 'crash') await redis.restart();
        else redis.thaw();
        const faultEnd = now();
        await sending;
        await untilAnswered(receiver, sender.accepted.keys(), 60_000);
        const recoveryMs = recoveryFrom(faultEnd, sender.accepted.keys(), receiver.firstReplyAt);
        await sleep(2000);
        const tally = await tallyApi(hub.env.mongoUri, 'shop', sender.accepted.keys(), receiver);

        const during = sender.attempts.filter((a) => a.startedAt >= faultStart + 200 && a.startedAt + a.ms <= faultEnd);
        const refusedWell = during.filter((a) => a.status === 503 && a.ms <= maxRefusalMs).length;
        const outside = sender.attempts.filter((a) => a.startedAt + a.ms < faultStart || a.startedAt > faultEnd + 5000);
        const badOutside = outside.filter((a) => a.status !== 202).length;
        const other5xx = sender.attempts.filter((a) => a.status >= 500 && a.status !== 503).length;
        const pass =
          sender.accepted.size === messages &&
          sender.gaveUp.size === 0 &&
          tally.lost === 0 &&
          tally.duplicated === 0 &&
          during.length > 0 &&
          refusedWell === during.length &&
          badOutside === 0 &&
          other5xx === 0 &&
          sender.maxAckMs <= maxRefusalMs;
        return {
          scenario: name,
          messages,
          lost: tally.lost,
          duplicated: tally.duplicated,
          resent: tally.resent,
          http5xx: sender.http5xx,
          maxAckMs: sender.maxAckMs,
          recoveryMs,
          pass,
          criteria:
            `Redis ${kind === 'crash' ? 'SIGKILLed, restarted on its port and AOF' : 'SIGSTOPped, then SIGCONT'} after ${outageMs / 1000} s, messages arriving throughout: ` +
            `every attempt during the outage answered 503 within ${maxRefusalMs} ms, all 202 outside it (5 s grace after), no other 5xx, the sender redelivers, nothing lost or duplicated`,
          notes: [
            `${during.length} attempts during the outage, ${refusedWell} answered 503 within ${maxRefusalMs} ms; ${badOutside} of ${outside.length} outside it not 202`,
            `webhook answers: ${sender.outcomes()}`,
            `stored: ${tally.storedIn} inbound, ${tally.storedOut} replies`,
            ...tally.notes,
          ],
        };
      } finally {
        await hub.stop();
        await redis.stop();
      }
    },
  };
}

export const redisCrash = redisOutage('crash');
export const redisHang = redisOutage('hang');
