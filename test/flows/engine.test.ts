import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startFlow, step, type FlowAction, type FlowInput, type FlowState, type StepContext } from '../../flows/engine.js';
import { flowFiles, loadFlows } from '../../flows/load.js';

const flows = loadFlows(flowFiles(['config/flows']));
const shop = flows.get('shop')!;
const ctx = (locale = 'en', name?: string): StepContext => ({ contact: { locale, ...(name ? { name } : {}) }, channel: 'api', flows });
const texts = (actions: FlowAction[]) => actions.map((a) => (a.type === 'reply' ? a.text : `<${a.type}>`));

/** Plays a conversation: the user's lines in, the bot's lines out (other actions as `<type>`). */
function talk(lines: readonly string[], context = ctx()): { said: string[][]; state: FlowState; actions: FlowAction[] } {
  let result = startFlow(shop, context);
  const said = [texts(result.actions)];
  for (const line of lines) {
    result = step(shop, result.state, { type: 'text', text: line }, context);
    said.push(texts(result.actions));
  }
  return { said, state: result.state, actions: result.actions };
}

const greeting = expect.stringMatching(/^Hi there!/);
const handoff = ['I am passing you to a colleague; someone will answer here shortly.', '<handoff>'];

describe('flow engine on the demo shop flow', () => {
  it('greets by name with choices, in the contact language', () => {
    const en = startFlow(shop, ctx('en', 'Ada'));
    expect(en.actions).toEqual([
      {
        type: 'reply',
        text: "Hi Ada! I'm the Demo Shop assistant. What can I do for you?",
        choices: [
          { id: 'hours', label: 'Opening hours' },
          { id: 'order_status', label: 'Order status' },
          { id: 'callback', label: 'Call me back' },
          { id: 'human', label: 'Talk to a human' },
        ],
      },
    ]);
    expect(en.state).toMatchObject({ flow: 'shop', node: 'welcome', status: 'waiting', version: shop.version });
    expect(startFlow(shop, ctx()).actions[0]).toMatchObject({ text: greeting });
    expect(startFlow(shop, ctx('cs-CZ')).actions[0]).toMatchObject({
      text: expect.stringMatching(/^Dobrý den!/),
      choices: expect.arrayContaining([{ id: 'hours', label: 'Otevírací doba' }]),
    });
  });

  it('takes a choice by button id, by its number or by its label', () => {
    const start = startFlow(shop, ctx());
    for (const input of [
      { type: 'choice', choiceId: 'hours' },
      { type: 'text', text: '1' },
      { type: 'text', text: ' opening HOURS ' },
    ] as const) {
      const next = step(shop, start.state, input, ctx());
      expect(texts(next.actions)[0]).toMatch(/^We are open/);
      expect(next.state.node).toBe('anything_else');
    }
  });

  it('takes a callback request with the form: one question per field, a retry, then the consent', () => {
    const { said, state } = talk(['3', 'Ada Lovelace', 'skip', 'call me maybe', '601 123 456', 'yes', 'No, thanks']);
    expect(said).toEqual([
      [greeting],
      ['Sure, we will call you back. Just a few questions.', 'What is your name?'],
      ['Your e-mail? (or "skip")'],
      ['Which phone number should we call? (or "skip")'],
      ['That does not look like a phone number. Please try again, e.g. +420 601 123 456.', 'Which phone number should we call? (or "skip")'],
      ['May we also send you news and offers?'],
      ['<lead>', 'Thanks Ada Lovelace, we will be in touch within one working day.', 'Anything else?'],
      ['Thank you and have a nice day!'],
    ]);
    expect(state).toMatchObject({ status: 'ended', vars: { name: 'Ada Lovelace', phone: '+420601123456' } });
    expect(state.vars).not.toHaveProperty('email');
  });

  it('emits the lead with the typed fields and the consent as the contact saw it', () => {
    const yes = talk(['3', 'Ada', 'ada@EXAMPLE.com', '+420 601 123 456', 'yes']);
    expect(yes.actions[0]).toEqual({
      type: 'lead',
      form: 'callback',
      fields: { name: 'Ada', email: 'ada@example.com', phone: '+420601123456' },
      consent: { purpose: 'marketing', granted: true, text: 'May we also send you news and offers?' },
    });
    const cs = talk(['3', 'Ada', 'přeskočit', '-', 'Ne'], ctx('cs'));
    expect(cs.said[4]).toEqual(['Můžeme vám posílat i novinky a nabídky?']);
    expect(cs.actions[0]).toEqual({
      type: 'lead',
      form: 'callback',
      fields: { name: 'Ada' },
      consent: { purpose: 'marketing', granted: false, text: 'Můžeme vám posílat i novinky a nabídky?' },
    });
    // The consent question offers yes/no buttons in the contact's language.
    expect(talk(['3', 'Ada', '-', '-'], ctx('cs')).actions).toEqual([
      {
        type: 'reply',
        text: 'Můžeme vám posílat i novinky a nabídky?',
        choices: [
          { id: 'yes', label: 'Ano' },
          { id: 'no', label: 'Ne' },
        ],
      },
    ]);
  });

  it('looks up an order through an http action and answers from the response', () => {
    const asked = talk(['2', '12345']);
    expect(asked.said[1]).toEqual(['What is your order number? You will find it in the order confirmation.']);
    expect(asked.actions).toEqual([
      {
        type: 'http',
        request: { method: 'GET', url: 'http://127.0.0.1:3000/demo/orders/12345', headers: { accept: 'application/json' }, timeoutMs: 5000, maxBytes: 65536 },
      },
    ]);
    expect(asked.state).toMatchObject({ node: 'lookup_order', status: 'waiting', awaiting: 'http' });

    const shipped = step(shop, asked.state, { type: 'http-result', ok: true, json: { status: 'shipped', eta: '2026-11-24' } }, ctx());
    expect(texts(shipped.actions)).toEqual(['Good news: order 12345 has shipped and should arrive by 2026-11-24.', 'Anything else?']);
    expect(shipped.state).toMatchObject({ node: 'anything_else', vars: { order_number: '12345', order: { status: 'shipped', eta: '2026-11-24' } } });
    expect(shipped.state.awaiting).toBeUndefined();

    const processing = step(shop, asked.state, { type: 'http-result', ok: true, json: { status: 'processing' } }, ctx('cs'));
    expect(texts(processing.actions)[0]).toBe('Objednávku 12345 právě připravujeme; odeslat ji plánujeme do konce týdne.');
    const other = step(shop, asked.state, { type: 'http-result', ok: true, json: { status: 'cancelled' } }, ctx());
    expect(texts(other.actions)[0]).toBe('The status of order 12345 is: cancelled.');
  });

  it('apologises and offers a colleague when the order lookup fails', () => {
    const asked = talk(['2', '12345']).state;
    const failed = step(shop, asked, { type: 'http-result', ok: false, error: 'timeout' }, ctx());
    expect(failed.actions).toEqual([
      {
        type: 'reply',
        text: 'Sorry, I could not look up order 12345. Shall I pass you to a colleague?',
        choices: [
          { id: 'human', label: 'Yes, please' },
          { id: 'no_thanks', label: 'No, thanks' },
        ],
      },
    ]);
    expect(failed.state).toMatchObject({ node: 'order_failed', vars: { order: { error: 'timeout' } } });
    expect(texts(step(shop, failed.state, { type: 'text', text: 'yes, please' }, ctx()).actions)).toEqual(handoff);
  });

  it('ignores what the contact types while the order lookup is out, but not an opt-out', () => {
    const asked = talk(['2', '12345']).state;
    for (const text of ['hello?', 'agent', 'restart', '1']) expect(step(shop, asked, { type: 'text', text }, ctx())).toEqual({ actions: [], state: asked });
    expect(step(shop, asked, { type: 'text', text: 'nooffers' }, ctx())).toEqual({ actions: [{ type: 'opt-out' }], state: asked });
    // A result nobody waits for (late, or sent twice) changes nothing either.
    const welcome = startFlow(shop, ctx()).state;
    expect(step(shop, welcome, { type: 'http-result', ok: true, json: {} }, ctx())).toEqual({ actions: [], state: welcome });
  });

  it('goes to the fallback after too many wrong answers', () => {
    const { said, state } = talk(['2', 'x', 'y', 'z']);
    expect(said.at(-1)).toEqual(handoff);
    expect(state).toMatchObject({ status: 'handoff', node: 'to_agent' });
    // Handed off: the bot stays silent whatever is said.
    expect(step(shop, state, { type: 'text', text: 'hello?' }, ctx()).actions).toEqual([]);
  });

  it('obeys global intents from any node, a form included', () => {
    const asking = talk(['2']).state;
    expect(texts(step(shop, asking, { type: 'text', text: 'Human' }, ctx()).actions)).toEqual(handoff);
    expect(step(shop, asking, { type: 'text', text: 'restart' }, ctx()).state).toMatchObject({ node: 'welcome', vars: {} });
    expect(step(shop, asking, { type: 'text', text: 'NoOffers' }, ctx())).toEqual({ actions: [{ type: 'opt-out' }], state: asking });
    // Mid-form, an intent leaves the form (and its progress) behind.
    const inForm = talk(['3', 'Ada']).state;
    const left = step(shop, inForm, { type: 'text', text: 'agent' }, ctx());
    expect(texts(left.actions)).toEqual(handoff);
    expect(left.state.form).toBeUndefined();
    // A handed-off conversation still restarts on request.
    const handedOff = talk(['4']).state;
    expect(step(shop, handedOff, { type: 'text', text: 'restart' }, ctx()).state.status).toBe('waiting');
  });

  it('asks again, with the choices, when an answer matches no choice', () => {
    const { said, state } = talk(['pizza']);
    expect(said[1]).toEqual(['Please pick one of the options.', greeting]);
    expect(state).toMatchObject({ node: 'welcome', retries: 1, status: 'waiting' });
  });
  it('never throws and always leaves a valid state, whatever the contact types or the API answers', () => {
    const line = fc.oneof(
      fc.string(),
      // Answers that move the demo flow on, so that runs get into the form and the order lookup.
      {
        arbitrary: fc.constantFrom(
          '1',
          '2',
          '3',
          '4',
          'agent',
          'restart',
          'nooffers',
          'Ada',
          '+420601123456',
          'ada@example.com',
          'skip',
          '-',
          'yes',
          'no',
          '12345',
          'No, thanks',
          '',
        ),
        weight: 3,
      },
      fc.record({ choice: fc.constantFrom('hours', 'order_status', 'callback', 'human', 'more', 'done', 'yes', 'no', 'no_thanks', 'bogus') }),
    );
    const httpResult = fc.oneof(
      fc.record({
        ok: fc.constant(true as const),
        json: fc.oneof(fc.jsonValue(), fc.record({ status: fc.constantFrom('shipped', 'processing', 'lost', ''), eta: fc.jsonValue() }, { requiredKeys: [] })),
      }),
      fc.record({ ok: fc.constant(false as const), error: fc.string() }),
    );
    // `deliver`: while the lookup is out, whether its result comes now or the contact types first.
    const turns = fc.array(fc.record({ line, result: httpResult, deliver: fc.boolean() }), { maxLength: 30 });
    // Random walks from the greeting seldom get deep, so runs also start from points inside the form and the lookup.
    const from = fc.constantFrom([], ['3'], ['3', 'Ada'], ['3', 'Ada', '-'], ['3', 'Ada', '-', '-'], ['2'], ['2', '12345']);
    const fieldNames = new Set(['name', 'email', 'phone']);
    const seen = { form: 0, lead: 0, awaitingApi: 0, result: 0 };
    fc.assert(
      fc.property(from, turns, fc.constantFrom('en', 'cs', 'de', 'pt-BR', '__proto__', 'constructor'), (prefix, list, locale) => {
        let { state } = talk(prefix, ctx(locale));
        for (const { line, result: outcome, deliver } of list) {
          const waitingForApi = state.awaiting === 'http';
          if (waitingForApi) seen.awaitingApi++;
          let input: FlowInput = typeof line === 'string' ? { type: 'text', text: line } : { type: 'choice', choiceId: line.choice };
          if (waitingForApi && deliver) input = { type: 'http-result', ...outcome };
          const result = step(shop, state, input, ctx(locale));
          if (waitingForApi && input.type !== 'http-result') {
            expect(result.state).toBe(state);
            expect(result.actions.every((a) => a.type === 'opt-out')).toBe(true);
          }
          if (input.type === 'http-result') seen.result++;
          state = result.state;

          expect(['waiting', 'handoff', 'ended']).toContain(state.status);
          const node = shop.nodes.get(state.node);
          expect(node).toBeDefined();
          // Form progress and an outstanding request exist exactly while waiting at such a node.
          expect(state.form !== undefined).toBe(state.status === 'waiting' && node?.kind === 'form');
          expect(state.awaiting === 'http').toBe(state.status === 'waiting' && node?.kind === 'http');
          if (state.form) seen.form++;
          result.actions.forEach((a, i) => {
            if (a.type === 'reply') expect(a.text.length).toBeGreaterThan(0);
            if (a.type === 'http') {
              expect(i).toBe(result.actions.length - 1);
              expect(state.awaiting).toBe('http');
              expect(a.request.url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/demo\/orders\/[0-9]{4,10}$/);
            }
            if (a.type === 'lead') {
              seen.lead++;
              expect(Object.keys(a.fields).every((k) => fieldNames.has(k))).toBe(true);
              expect(a.fields.name).toBeTruthy();
              expect(a.consent?.text.length).toBeGreaterThan(0);
            }
          });
        }
      }),
      { numRuns: 300 },
    );
    // The runs must actually have reached the new node kinds, or the property proves little about them.
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
  });
});
