import { expect } from 'vitest';
import { step, type FlowAction, type FlowInput, type StepContext, type StepResult } from '../../flows/engine.js';
import { parseFlow } from '../../flows/load.js';
import type { Flow } from '../../flows/schema.js';

/** Flows from YAML strings (which must be valid), by id. */
export function inlineFlows(...texts: string[]): Map<string, Flow> {
  const flows = new Map<string, Flow>();
  texts.forEach((text, i) => {
    const result = parseFlow(text, `inline-${i}.yaml`);
    expect(result.issues).toEqual([]);
    flows.set(result.flow!.id, result.flow!);
  });
  return flows;
}

/** A step context over `flows`, in English unless told. */
export function contextOf(flows: ReadonlyMap<string, Flow>, extra: Partial<StepContext> = {}): StepContext {
  return { contact: { locale: 'en' }, channel: 'api', flows, ...extra };
}

/** Reply texts, other actions as `<type>`. */
export function texts(actions: FlowAction[]): string[] {
  return actions.map((a) => (a.type === 'reply' ? a.text : `<${a.type}>`));
}

/** Feeds text lines (or other inputs) one after the other, each into the flow the state is in. */
export function feed(from: StepResult, inputs: (string | FlowInput)[], ctx: StepContext): StepResult {
  let result = from;
  for (const input of inputs) {
    const flow = ctx.flows.get(result.state.flow)!;
    result = step(flow, result.state, typeof input === 'string' ? { type: 'text', text: input } : input, ctx);
  }
  return result;
}
