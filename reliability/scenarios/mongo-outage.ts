/**
 * Scenario 5: the MongoDB-wire server (an embedded FerretDB of the scenario's own) is SIGKILLed for
 * 30 s (short: 10 s), then started again on the same port and data directory, while messages keep
 * arriving. Webhooks only queue in Redis, so they must keep answering 202 quickly; turns wait (in
 * place, then their wake-ups' retries) and resume once it is back: nothing lost, nothing stored twice.
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
  startMongo,
  tallyApi,
  untilAnswered,
  type Row,
  type Scenario,
} from '../harness.js';

const secret = 'reliability-mongo-outage-secret';
const maxAckMs = 10_000;

export const mongoOutage: Scenario = {
  name: 'mongo-outage',
  async run({ short }): Promise<Row> {
    const outageMs = short ? 10_000 : 30_000;
    const messages = short ? 300 : 1000;
    const users = 50;
    const before = 3000;
    const after = 3000;
    const { redis } = await sharedServices();
    let mongo = await startMongo('outage');
    const hub = await apiHubUnderTest('mongo-outage', { mongoUri: mongo.uri, redisUrl: redis.url }, { secret });
    const { receiver } = hub;
    try {
      await hub.spawn('web');
      await hub.spawn('worker');
      const sender = new Sender({ timeoutMs: 15_000 });
      const deliveries = Array.from({ length: messages }, (_, i) => hub.message({ id: `mongo-${i}`, user: `u${i % users}`, text: `message ${i}` }));
      await firstAnswered(sender, receiver, deliveries[0]!);
      const sending = sendSpread(sender, deliveries.slice(1), before + outageMs + after);
      await sleep(before);
      const faultStart = now();
      process.kill(mongo.pid!, 'SIGKILL');
      await sleep(outageMs);
      mongo = await startMongo('outage', mongo.port);
      const faultEnd = now();
      await sending;
      const answeredAtRestart = [...sender.accepted.keys()].filter((id) => (receiver.firstReplyAt.get(id) ?? Infinity) < faultEnd).length;
      const acceptedDuring = [...sender.accepted.values()].filter((t) => t >= faultStart && t <= faultEnd).length;
      await untilAnswered(receiver, sender.accepted.keys(), 90_000);
      const recoveryMs = recoveryFrom(faultEnd, sender.accepted.keys(), receiver.firstReplyAt);
      await sleep(2000);
      const tally = await tallyApi(hub.env.mongoUri, 'shop', sender.accepted.keys(), receiver);
      const refused = sender.attempts.filter((a) => a.status !== 202).length;
      const pass =
        sender.accepted.size === messages &&
        tally.lost === 0 &&
        tally.duplicated === 0 &&
        refused === 0 &&
        sender.maxAckMs <= maxAckMs &&
        tally.storedIn === messages &&
        tally.storedOut === messages;
      return {
        scenario: mongoOutage.name,
        messages,
        lost: tally.lost,
        duplicated: tally.duplicated,
        resent: tally.resent,
        http5xx: sender.http5xx,
        maxAckMs: sender.maxAckMs,
        recoveryMs,
        pass,
        criteria: `FerretDB SIGKILLed for ${outageMs / 1000} s, restarted on its port and files, messages arriving throughout: every webhook 202 within ${maxAckMs} ms, nothing lost or stored twice, turns resume`,
        notes: [
          `${acceptedDuring} messages accepted during the outage; ${answeredAtRestart} of ${messages} answered when it came back`,
          `webhook answers: ${sender.outcomes()}`,
          `stored: ${tally.storedIn} inbound, ${tally.storedOut} replies`,
          ...tally.notes,
        ],
      };
    } finally {
      await hub.stop();
      await mongo.stop();
    }
  },
};
