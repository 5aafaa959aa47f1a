/**
 * Scenario 1: a web process and two `switchboard start --role worker` processes; during a burst a
 * worker is SIGKILLed three times (at about 20 %, 45 % and 70 % of the replies), a new one started
 * after each kill. Nothing may be lost or stored twice; a reply in flight at a kill may go again
 * with the same id (at-least-once, at most one turn's replies per busy conversation).
 */
import type { ChildProcess } from 'node:child_process';
import { exited } from '../../test/helpers/hub.js';
import { apiHubUnderTest, now, recoveryFrom, Sender, sharedServices, sleep, tallyApi, untilAnswered, type Row, type Scenario } from '../harness.js';

const secret = 'reliability-worker-kill-secret';

export const workerKill: Scenario = {
  name: 'worker-sigkill',
  async run({ short }): Promise<Row> {
    const messages = short ? 1500 : 10_000;
    const users = 100;
    const kills = 3;
    const { redis, mongo } = await sharedServices();
    const hub = await apiHubUnderTest('worker-kill', { mongoUri: mongo.uri, redisUrl: redis.url }, { secret });
    const { receiver } = hub;
    try {
      await hub.spawn('web');
      const workers: ChildProcess[] = [await hub.spawn('worker'), await hub.spawn('worker')];
      const deliveries = Array.from({ length: messages }, (_, i) => hub.message({ id: `kill-${i}`, user: `u${i % users}`, text: `order ${i}` }));
      const sender = new Sender();
      const sending = sender.deliverAll(deliveries, 20);

      const killedAt: number[] = [];
      const repliesAtKill: number[] = [];
      for (let k = 0; k < kills; k++) {
        const at = Math.floor(messages * (0.2 + 0.25 * k));
        while (receiver.firstReplyAt.size < at) await sleep(20);
        const victim = workers.shift()!; // the oldest: it has been busy longest
        victim.kill('SIGKILL');
        await exited(victim);
        killedAt.push(now());
        repliesAtKill.push(receiver.firstReplyAt.size);
        workers.push(await hub.spawn('worker'));
      }
      const lastKill = killedAt.at(-1)!;
      await sending;
      await untilAnswered(receiver, sender.accepted.keys(), 60_000);
      const recoveryMs = recoveryFrom(lastKill, sender.accepted.keys(), receiver.firstReplyAt);
      // Replies sent but not stored at a kill are stored once the next worker repeats the turn; let that settle.
      await sleep(3000);
      const tally = await tallyApi(hub.env.mongoUri, 'shop', sender.accepted.keys(), receiver);

      // Per user, replies in the order the hub accepted the messages.
      let outOfOrder = 0;
      for (let u = 0; u < users; u++) {
        const sent = [...sender.accepted]
          .filter(([id]) => Number(id.slice(5)) % users === u)
          .sort((a, b) => a[1] - b[1])
          .map(([id]) => id);
        const seen = [...new Set(receiver.replies.filter((r) => r.user === `u${u}`).map((r) => r.inReplyTo))];
        if (sent.join() !== seen.join()) outOfOrder++;
      }
      const resentLimit = kills * 64; // pipeline.concurrency per worker: at most one turn's reply per conversation in flight at a kill
      const pass =
        sender.accepted.size === messages &&
        tally.lost === 0 &&
        tally.duplicated === 0 &&
        tally.resent <= resentLimit &&
        sender.http5xx === 0 &&
        tally.storedIn === messages &&
        tally.storedOut === messages &&
        outOfOrder === 0;
      return {
        scenario: workerKill.name,
        messages,
        lost: tally.lost,
        duplicated: tally.duplicated,
        resent: tally.resent,
        http5xx: sender.http5xx,
        maxAckMs: sender.maxAckMs,
        recoveryMs,
        pass,
        criteria: `web + 2 worker processes, ${kills} SIGKILLs during the burst: nothing lost or stored twice, one reply id per message, same-id resends <= ${resentLimit}, no 5xx, per-user order kept; recovery from the last kill until all answered (the rest of the burst included)`,
        notes: [
          `kills after ${repliesAtKill.join(', ')} answered messages; ${outOfOrder} users with replies out of order`,
          `webhook answers: ${sender.outcomes()}`,
          `stored: ${tally.storedIn} inbound, ${tally.storedOut} replies`,
          ...tally.notes,
        ],
      };
    } finally {
      await hub.stop();
    }
  },
};
