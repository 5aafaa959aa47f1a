import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startFlow, step, type FlowAction, type FlowState, type StepContext } from '../../flows/engine.js';
import { flowFiles, loadFlows } from '../../flows/load.js';

const flows = loadFlows(flowFiles(['config/flows']));
const shop = flows.get('shop')!;
const ctx = (locale = 'en', name?: string): StepContext => ({ contact: { locale, ...(name ? { name } : {}) }, channel: 'api', flows });
const texts = (actions: FlowAction[]) => actions.map((a) => (a.type === 'reply' ? a.text : `<${a.type}>`));

/** Plays a conversation: the user's lines in, the bot's lines out. */
function talk(lines: string[], context = ctx()): { said: string[][]; state: FlowState } {
  let result = startFlow(shop, context);
  const said = [texts(result.actions)];
  for (const line of lines) {
    result = step(shop, result.state, { type: 'text', text: line }, context);
    said.push(texts(result.actions));
  }
  return { said, state: result.state };
}

describe('flow engine on the demo shop flow', () => {
  it('greets by name with choices, in the contact language', () => {
    const en = startFlow(shop, ctx('en', 'Ada'));
    expect(en.actions).toEqual([
      {
        type: 'reply',
        text: "Hi Ada! I'm the Demo Shop assistant. What can I do for you?",
        choices: [
          { id: 'hours', label: 'Opening hours' },
          { id: 'callback', label: 'Call me back' },
          { id: 'human', label: 'Talk to a human' },
        ],
      },
    ]);
    expect(en.state).toMatchObject({ flow: 'shop', node: 'welcome', status: 'waiting', version: shop.version });
    expect(startFlow(shop, ctx()).actions[0]).toMatchObject({ text: expect.stringMatching(/^Hi there!/) });
    expect(startFlow(shop, ctx('cs-CZ')).actions[0]).toMatchObject({ text: expect.stringMatching(/^Dobrý den!/), choices: expect.arrayContaining([{ id: 'hours', label: 'Otevírací doba' }]) });
  });

  it('takes a choice by button id, by its number or by its label', () => {
    const start = startFlow(shop, ctx());
    for (const input of [{ type: 'choice', choiceId: 'hours' }, { type: 'text', text: '1' }, { type: 'text', text: ' opening HOURS ' }] as const) {
      const next = step(shop, start.state, input, ctx());
      expect(texts(next.actions)[0]).toMatch(/^We are open/);
      expect(next.state.node).toBe('anything_else');
    }
  });

  it('captures a callback request, validating and normalising the phone number', () => {
    const { said, state } = talk(['2', 'Ada Lovelace', 'call me maybe', '601 123 456', 'No, thanks']);
    expect(said).toEqual([
      [expect.stringMatching(/^Hi there!/)],
      ['Sure! What is your name?'],
      ['Thanks, Ada Lovelace. Which phone number should we call?'],
      ['That does not look like a phone number. Please try again, e.g. +420 601 123 456.', 'Thanks, Ada Lovelace. Which phone number should we call?'],
      ['We will call you at +420601123456 within one working day.', 'Anything else?'],
      ['Thank you and have a nice day!'],
    ]);
    expect(state).toMatchObject({ status: 'ended', vars: { name: 'Ada Lovelace', phone: '+420601123456' } });
  });

  it('goes to the fallback after too many wrong answers', () => {
    const { said, state } = talk(['2', 'Ada', 'x', 'y', 'z']);
    expect(said.at(-1)).toEqual(['I am passing you to a colleague; someone will answer here shortly.', '<handoff>']);
    expect(state).toMatchObject({ status: 'handoff', node: 'to_agent' });
    // Handed off: the bot stays silent whatever is said.
    expect(step(shop, state, { type: 'text', text: 'hello?' }, ctx()).actions).toEqual([]);
  });

  it('obeys global intents from any node', () => {
    const asking = talk(['2']).state;
    expect(texts(step(shop, asking, { type: 'text', text: 'Human' }, ctx()).actions)).toEqual(['I am passing you to a colleague; someone will answer here shortly.', '<handoff>']);
    expect(step(shop, asking, { type: 'text', text: 'restart' }, ctx()).state).toMatchObject({ node: 'welcome', vars: {} });
    expect(step(shop, asking, { type: 'text', text: 'STOP' }, ctx())).toEqual({ actions: [{ type: 'opt-out' }], state: asking });
    // A handed-off conversation still restarts on request.
    const handedOff = talk(['3']).state;
    expect(step(shop, handedOff, { type: 'text', text: 'restart' }, ctx()).state.status).toBe('waiting');
  });

  it('asks again, with the choices, when an answer matches no choice', () => {
    const { said, state } = talk(['pizza']);
    expect(said[1]).toEqual(['Please pick one of the options.', expect.stringMatching(/^Hi there!/)]);
    expect(state).toMatchObject({ node: 'welcome', retries: 1, status: 'waiting' });
  });

  it('never throws and always leaves a valid state, whatever the contact types', () => {
    const inputs = fc.array(
      fc.oneof(
        fc.string(),
        fc.constantFrom('1', '2', '3', 'agent', 'restart', 'stop', 'Ada', '+420601123456', 'No, thanks', ''),
        fc.record({ choice: fc.constantFrom('hours', 'callback', 'human', 'more', 'done', 'bogus') }),
      ),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(inputs, fc.constantFrom('en', 'cs', 'de', 'pt-BR'), (lines, locale) => {
        let { state } = startFlow(shop, ctx(locale));
        for (const line of lines) {
          const input = typeof line === 'string' ? ({ type: 'text', text: line } as const) : ({ type: 'choice', choiceId: line.choice } as const);
          const result = step(shop, state, input, ctx(locale));
          state = result.state;
          expect(['waiting', 'handoff', 'ended']).toContain(state.status);
          expect(shop.nodes.has(state.node)).toBe(true);
          for (const a of result.actions) if (a.type === 'reply') expect(a.text.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
