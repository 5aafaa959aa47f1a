import type { Logger } from 'pino';

/** Name → a check that resolves when that dependency answers. */
export type ReadinessChecks = Readonly<Record<string, () => Promise<unknown>>>;

/** A check that has not answered by then counts as failing: a hung dependency must not hang `/readyz` (and Docker's HEALTHCHECK gives it 3 s). */
const checkTimeoutMs = 2000;

/** The names of the checks that failed (in the order given), each failure logged at warn with its error. */
export async function readinessOf(checks: ReadinessChecks, logger: Logger): Promise<string[]> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
      });
      try {
        await Promise.race([check(), timeout]);
        return undefined;
      } catch (err) {
        logger.warn({ dependency: name, err: (err as Error).message }, 'not ready');
        return name;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return results.filter((name): name is string => name !== undefined);
}
