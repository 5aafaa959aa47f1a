import type { TurnContext, TurnStep } from './types.js';

/**
 * Runs `steps` in order on one turn, each deciding whether the rest run (by awaiting `next`).
 * As in grammY's composer, calling `next` twice is a bug in the step, so it throws instead of
 * running the steps after it twice.
 */
export async function runSteps(steps: readonly TurnStep[], turn: TurnContext): Promise<void> {
  const run = async (index: number): Promise<void> => {
    const step = steps[index];
    if (!step) return;
    let called = false;
    await step(turn, async () => {
      if (called) throw new Error(`turn step ${step.name || index} called next() twice`);
      called = true;
      await run(index + 1);
    });
  };
  await run(0);
}
