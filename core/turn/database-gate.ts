import pLimit, { type LimitFunction } from 'p-limit';

/**
 * Runs a turn's database work (its reads and its commit, not its steps: a flow's `http` call waits
 * outside) at most `perWorkspace` at a time per workspace in this process. When one workspace's
 * burst arrives at once (fifty new contacts, each a dozen reads and writes), the database works
 * through them a few at a time while another workspace's turns go on beside them, instead of
 * waiting behind the whole burst: FerretDB writes one at a time, about a millisecond each.
 */
export type DatabaseGate = <T>(workspace: string, work: () => Promise<T>) => Promise<T>;

export function databaseGate(perWorkspace: number): DatabaseGate {
  const limits = new Map<string, LimitFunction>();
  return (workspace, work) => {
    let limit = limits.get(workspace);
    if (!limit) {
      limit = pLimit(perWorkspace);
      limits.set(workspace, limit);
    }
    return limit(work);
  };
}
