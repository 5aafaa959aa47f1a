/**
 * Runs a turn's database work (its reads and its commit, not its steps: a flow's `http` call waits
 * outside) through a gate shared by the workspaces of this process: at most `total` turns at the
 * database at once, and each workspace at most its fair share of them, `total` divided among the
 * workspaces with a turn at or waiting for the database (at least 1, at most `perWorkspace`).
 * Waiting turns are let in round-robin across workspaces, in order within one.
 *
 * When one workspace's burst arrives at once (fifty new contacts, each a dozen reads and writes),
 * the database works through it a few at a time, and another workspace's turn waits for at most
 * one of the burst's turns before it goes in: FerretDB writes one at a time, about a millisecond
 * each, so a turn beside two of the burst's waits for their writes too. Alone, a workspace has the
 * whole gate.
 */
export type DatabaseGate = <T>(workspace: string, work: () => Promise<T>) => Promise<T>;

export function databaseGate(options: { perWorkspace: number; total: number }): DatabaseGate {
  /** Workspaces with waiting turns, in the order they are served next (a served one goes to the back). */
  const waiting = new Map<string, (() => void)[]>();
  const running = new Map<string, number>();
  let inUse = 0;

  const share = () => {
    const active = new Set(waiting.keys());
    for (const [workspace, n] of running) if (n > 0) active.add(workspace);
    return Math.min(options.perWorkspace, Math.max(1, Math.floor(options.total / Math.max(1, active.size))));
  };
  const mayEnter = (workspace: string) => inUse < options.total && (running.get(workspace) ?? 0) < share();
  const enter = (workspace: string) => {
    inUse++;
    running.set(workspace, (running.get(workspace) ?? 0) + 1);
  };
  const leave = (workspace: string) => {
    inUse--;
    const n = (running.get(workspace) ?? 1) - 1;
    if (n > 0) running.set(workspace, n);
    else running.delete(workspace);
  };
  /** Lets in whoever may enter now, one workspace after the other. */
  const pump = () => {
    for (let admitted = true; admitted;) {
      admitted = false;
      for (const [workspace, queue] of waiting) {
        if (!mayEnter(workspace)) continue;
        const next = queue.shift()!;
        waiting.delete(workspace);
        if (queue.length) waiting.set(workspace, queue);
        enter(workspace);
        next();
        admitted = true;
        break;
      }
    }
  };

  return async (workspace, work) => {
    if (!waiting.has(workspace) && mayEnter(workspace)) enter(workspace);
    else {
      const admitted = new Promise<void>((resolve) => {
        const queue = waiting.get(workspace);
        if (queue) queue.push(resolve);
        else waiting.set(workspace, [resolve]);
      });
      pump();
      await admitted;
    }
    try {
      return await work();
    } finally {
      leave(workspace);
      pump();
    }
  };
}
