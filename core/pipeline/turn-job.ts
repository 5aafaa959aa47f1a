import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { InboundMessage } from '../message.js';
import type { Metrics } from '../metrics.js';
import type { IdleJob } from '../queue/queues.js';
import type { TurnRunner } from '../turn/runner.js';

/** In-process retries of a turn before an inbound job is failed (it then waits in the failed set). */
const turnAttempts = 5;

/**
 * Runs one job of an inbound shard: a message, or an idle timer (job name `idle`).
 * Failing the job would let the next message of this shard overtake it, so
 * transient errors (e.g. MongoDB failing over) are retried here, holding the slot.
 * Past the last attempt a message is stored as `failed` and the job fails
 * (kept in the failed set for a week, where it can be retried).
 */
export async function runTurnJob(options: { turns: TurnRunner; metrics: Metrics; logger: Logger }, job: Job<InboundMessage | IdleJob>): Promise<void> {
  const { turns, metrics, logger } = options;
  const idle = job.name === 'idle' ? (job.data as IdleJob) : undefined;
  const stop = metrics.routing.startTimer();
  for (let attempt = 1; ; attempt++) {
    try {
      if (idle) await turns.idle(idle);
      else await turns.message(job.data as InboundMessage);
      stop();
      return;
    } catch (err) {
      if (attempt >= turnAttempts) {
        if (!idle) {
          await turns
            .recordFailure(job.data as InboundMessage, err as Error)
            .catch((e: unknown) => logger.error({ err: e, jobId: job.id }, 'could not store the failed message'));
        }
        throw err;
      }
      logger.warn({ err, jobId: job.id, attempt }, 'turn failed; retrying');
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}
