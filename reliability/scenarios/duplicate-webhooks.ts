/**
 * Scenario 2: every webhook delivered three times, the copies concurrent and interleaved with other
 * messages (a platform that redelivers because our 2xx was slow or lost). Each message must be
 * stored once and answered once.
 */
import { apiHubUnderTest, type Row, type Scenario, Sender, sharedServices, tallyApi, untilAnswered } from '../harness.js';

const secret = 'reliability-duplicates-secret';

export const duplicateWebhooks: Scenario = {
  name: 'duplicate-webhooks',
  async run({ short }): Promise<Row> {
    const messages = short ? 300 : 1000;
    const copies = 3;
    const users = 50;
    const { redis, mongo } = await sharedServices();
    const hub = await apiHubUnderTest('duplicates', { mongoUri: mongo.uri, redisUrl: redis.url }, { secret });
    const { receiver } = hub;
    try {
      await hub.spawn('all');
      const originals = Array.from({ length: messages }, (_, i) => hub.message({ id: `dup-${i}`, user: `u${i % users}`, text: `message ${i}` }));
      // Every copy of every message, shuffled: copies of one message race each other and everyone else's.
      const deliveries = originals.flatMap((d) => Array.from({ length: copies }, () => d));
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
      }
      const sender = new Sender();
      await sender.deliverAll(deliveries, 30);
      await untilAnswered(receiver, sender.accepted.keys(), 30_000);
      // Give repeats a moment to show up, had any been made.
      await new Promise((r) => setTimeout(r, 2000));
      const tally = await tallyApi(hub.env.mongoUri, 'shop', sender.accepted.keys(), receiver);
      const storedOnce = tally.storedIn === messages && tally.storedOut === messages;
      const pass = sender.accepted.size === messages && tally.lost === 0 && tally.duplicated === 0 && tally.resent === 0 && sender.http5xx === 0 && storedOnce;
      return {
        scenario: duplicateWebhooks.name,
        messages,
        lost: tally.lost,
        duplicated: tally.duplicated,
        resent: tally.resent,
        http5xx: sender.http5xx,
        maxAckMs: sender.maxAckMs,
        recoveryMs: null,
        pass,
        criteria: `${copies} copies of each message, ${copies * messages} POSTs 30 at a time: every copy 2xx, nothing lost or duplicated or resent, each message stored once with one reply`,
        notes: [`webhook answers: ${sender.outcomes()}`, `stored: ${tally.storedIn} inbound, ${tally.storedOut} replies`, ...tally.notes],
      };
    } finally {
      await hub.stop();
    }
  },
};
