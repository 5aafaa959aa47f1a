import fc from 'fast-check';
import { expect, it } from 'vitest';
import { startFlow, step, type FlowInput, type StepContext } from '../../flows/engine.js';
import { nodeSchemas, type Flow, type FlowNode, type NodeKind } from '../../flows/schema.js';

/** A random flow of `size` nodes n0…n(size-1) whose edges all land on existing nodes (cycles allowed). */
const randomFlow = (size: number) => {
  const target = fc.integer({ min: 0, max: size - 1 }).map((i) => `n${i}`);
  const text = fc.constantFrom('Hello', 'Hi {{ v0 }}', 'Value {{ v1 | "none" }}', 'Ahoj {{ contact.name }}');
  const raw = fc.oneof(
    fc.record({ say: text, next: target }),
    fc.record({ say: text, choices: fc.array(fc.record({ id: fc.constantFrom('a', 'b', 'c'), label: text, next: target }), { minLength: 1, maxLength: 3 }) }),
    fc.record({
      ask: text,
      var: fc.constantFrom('v0', 'v1'),
      validate: fc.constantFrom({ type: 'number' }, { type: 'email' }, { type: 'text' }),
      next: target,
      fallback: target,
    }),
    fc.record({
      branch: fc.array(fc.record({ when: fc.record({ var: fc.constantFrom('v0', 'v1'), exists: fc.boolean() }), next: target }), {
        minLength: 1,
        maxLength: 2,
      }),
      else: target,
    }),
    fc.record({ set: fc.dictionary(fc.constantFrom('v0', 'v1'), fc.constantFrom('x', '{{ v0 }}', 7)), next: target }),
    fc.record({ goto: target }),
    fc.record({ handoff: fc.constant({ message: 'A human will answer.' }) }),
    fc.record({ end: fc.constantFrom('Bye', null) }),
  );
  return fc.array(raw, { minLength: size, maxLength: size }).map((nodes): Flow => {
    const parsed = new Map<string, FlowNode>();
    nodes.forEach((node, i) => {
      const kind = Object.keys(nodeSchemas).find((k) => k in node) as NodeKind;
      parsed.set(`n${i}`, { ...nodeSchemas[kind].parse(node), kind } as FlowNode);
    });
    return {
      id: 'random',
      version: 'v1',
      file: 'random.yaml',
      source: '',
      start: 'n0',
      locale: 'en',
      intents: { restart: '@restart', agent: 'n0' },
      nodes: parsed,
    };
  });
};

const input: fc.Arbitrary<FlowInput> = fc.oneof(
  fc.string({ maxLength: 40 }).map((text) => ({ type: 'text' as const, text })),
  fc.constantFrom('1', '2', 'a', '42', 'x@y.cz', 'restart', 'agent', '__proto__', 'constructor', 'toString').map((text) => ({ type: 'text' as const, text })),
  fc.constantFrom('a', 'b', 'c', 'zzz').map((choiceId) => ({ type: 'choice' as const, choiceId })),
  fc.constantFrom('remind', 'close').map((stage) => ({ type: 'idle' as const, stage })),
);

it('never throws on random valid flows and random input, and always leaves a state on an existing node', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }).chain((size) => fc.tuple(randomFlow(size), fc.array(input, { maxLength: 25 }))),
      ([flow, inputs]) => {
        const ctx: StepContext = { contact: { name: 'Ada', locale: 'en' }, channel: 'api', flows: new Map([[flow.id, flow]]) };
        let { state, actions } = startFlow(flow, ctx);
        for (const next of inputs) {
          expect(['waiting', 'handoff', 'ended']).toContain(state.status);
          expect(flow.nodes.has(state.node)).toBe(true);
          for (const action of actions) if (action.type === 'reply') expect(typeof action.text).toBe('string');
          ({ state, actions } = step(flow, state, next, ctx));
        }
        expect(flow.nodes.has(state.node)).toBe(true);
        expect(() => JSON.parse(JSON.stringify(state))).not.toThrow();
      },
    ),
    { numRuns: 500 },
  );
});
