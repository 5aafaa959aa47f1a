/**
 * The example shop flow (config/flows) as the benchmarks use it: loading it,
 * and the scripted conversation the pipeline benchmark's users loop through.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFlow, step, type FlowInput, type FlowState, type StepContext, type StepResult } from '../flows/engine.js';
import { flowFiles, loadFlows } from '../flows/load.js';
import type { Flow } from '../flows/schema.js';

/** config/flows of this repository (absolute). */
export const shopFlowsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'config', 'flows');
export const shopStart = 'shop';

/** The example flows, loaded and checked as the hub loads them. */
export function loadShopFlows(): { flows: Map<string, Flow>; shop: Flow } {
  const flows = loadFlows(flowFiles([shopFlowsDir]));
  const shop = flows.get(shopStart);
  if (!shop) throw new Error(`${shopFlowsDir} has no flow "${shopStart}"`);
  return { flows, shop };
}

/** One inbound line as the api channel takes it: typed text or a tapped button. */
export type Line = { text: string } | { choice: string };

/**
 * One loop through the shop flow with no `http` node on the way (the order
 * question is answered wrong once, then left with the `restart` intent), and
 * no handoff or opt-out (after those the bot says nothing). The first line of
 * a fresh user starts the flow; after the last line the flow has ended, and
 * the next "hi" starts it again.
 */
const pipelineLines: readonly Line[] = [
  { text: 'hi' }, // -> welcome (choices)
  { choice: 'hours' }, // button -> hours, anything_else
  { text: 'Yes' }, // label -> welcome
  { text: '2' }, // number -> ask order number
  { text: '12ab' }, // fails the regex -> retry, ask again
  { text: 'restart' }, // intent -> welcome
  { text: 'Call me back' }, // label -> form title, name question
  { text: 'Alice' }, // -> e-mail question
  { text: 'alice at example' }, // fails the e-mail check -> retry, ask again
  { text: 'alice@example.com' }, // -> phone question
  { text: '601 123 456' }, // phone, CZ default -> consent question
  { choice: 'yes' }, // consent -> lead, submitted, anything_else
  { text: 'No, thanks' }, // -> bye (ended)
];

function toInput(line: Line): Exclude<FlowInput, { type: 'http-result' }> {
  return 'text' in line ? { type: 'text', text: line.text } : { type: 'choice', choiceId: line.choice };
}

/**
 * The replies each line of {@link pipelineLines} gets, worked out by playing
 * the script twice through the engine as the FlowResponder would (no state:
 * startFlow; else step). Throws when the script no longer fits the flow: a line
 * without a reply, an http request, a handoff, or a second loop unlike the first.
 */
function pipelineReplyCounts(): number[] {
  const { flows, shop } = loadShopFlows();
  const ctx: StepContext = { contact: {}, channel: 'api', flows };
  let state: FlowState | undefined;
  const counts: number[] = [];
  for (let loop = 0; loop < 2; loop++) {
    pipelineLines.forEach((line, i) => {
      const result: StepResult = state ? step(shop, state, toInput(line), ctx) : startFlow(shop, ctx);
      const replies = result.actions.filter((a) => a.type === 'reply').length;
      const odd = result.actions.find((a) => a.type === 'http' || a.type === 'handoff' || a.type === 'opt-out');
      if (!replies || odd || result.state.status === 'handoff') {
        throw new Error(
          `pipeline script line ${i} (${JSON.stringify(line)}) no longer fits the shop flow: ${replies} replies, ${odd?.type ?? result.state.status} at node ${result.state.node}`,
        );
      }
      if (loop === 1 && replies !== counts[i]) throw new Error(`pipeline script line ${i}: ${replies} replies on the second loop, ${counts[i]} on the first`);
      if (loop === 0) counts.push(replies);
      state = result.state;
    });
    if (state?.status !== 'ended') throw new Error(`the pipeline script should end the flow, but it waits at node ${state?.node}`);
  }
  return counts;
}

/** Hands each user their next line, looping; remembers positions across runs (warm-up, then measured). */
export class ConversationScript {
  private readonly position = new Map<string, number>();
  readonly lines = pipelineLines;
  readonly replyCounts: readonly number[] = pipelineReplyCounts();

  /** Replies per message on average over one loop. */
  get repliesPerMessage(): number {
    return this.replyCounts.reduce((a, b) => a + b, 0) / this.replyCounts.length;
  }

  next(user: string): { line: Line; replies: number } {
    const at = this.position.get(user) ?? 0;
    this.position.set(user, (at + 1) % this.lines.length);
    return { line: this.lines[at]!, replies: this.replyCounts[at]! };
  }
}
