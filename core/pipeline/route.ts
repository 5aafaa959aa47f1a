import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { InboundMessage } from '../message.js';
import type { Metrics } from '../metrics.js';
import type { Router } from '../router.js';

/** In-process retries of the router before an inbound job is failed (it then waits in the failed set). */
const routerAttempts = 5;

/**
 * Failing the job would let the next message of this shard overtake it, so
 * transient errors (e.g. MongoDB failing over) are retried here, holding the slot.
 * Past the last attempt the message is stored as `failed` and the job fails
 * (kept in the failed set for a week, where it can be retried).
 */
export async function route(options: { router: Router; metrics: Metrics; logger: Logger }, job: Job<InboundMessage>): Promise<void> {
  const { router, metrics, logger } = options;
  const stop = metrics.routing.startTimer();
  for (let attempt = 1; ; attempt++) {
    try {
      await router.handle(job.data);
      stop();
      return;
    } catch (err) {
      if (attempt >= routerAttempts) {
        await router.recordFailure(job.data, err as Error).catch((e: unknown) => logger.error({ err: e, jobId: job.id }, 'could not store the failed message'));
        throw err;
      }
      logger.warn({ err, jobId: job.id, attempt }, 'routing failed; retrying');
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}
