import { describe, expect, it } from 'vitest';
import { startFlow, step } from '../../flows/engine.js';
import { contextOf, feed, inlineFlows, texts } from './inline.js';

const main = `flow: main
start: hello
intents:
  help: helpdesk
nodes:
  hello:
    say: { en: "Hello!", cs: "Ahoj!" }
    next: menu
  menu:
    say: { en: "Pick one", cs: "Vyberte" }
    retry: "From the list, please."
    choices:
      - { id: age, label: { en: "Age", cs: "Věk" }, next: ask_age }
      - { id: loop, label: "Again", next: again }
      - { id: other, label: "Other flow", next: to_other }
      - { id: other_two, label: "Other flow, node two", next: to_other_two }
      - { id: quit, label: "Quit", next: quit }
      - { id: silent, label: "Quit silently", next: silent }
  ask_age:
    ask: "How old are you, {{ contact.name | \\"friend\\" }}?"
    var: age
    validate: { type: number, integer: true, min: 0, max: 150 }
    retry: "A whole number, please."
    maxRetries: 1
    fallback: helpdesk
    next: remember
  remember:
    set: { greeting: "Hi {{ contact.name | \\"you\\" }}", checked: true, level: 2 }
    next: by_age
  by_age:
    branch:
      - when: { var: age, lt: 18 }
        next: young
    else: grown
  young:
    end: "{{ greeting }}, you are young."
  grown:
    say: "{{ greeting }}, you are {{ age }} (level {{ level }})."
  again:
    goto: hello
  to_other:
    goto: { flow: other }
  to_other_two:
    goto: { flow: other, node: two }
  quit:
    end: { en: "Bye", cs: "Nashle" }
  silent:
    end: null
  helpdesk:
    handoff: { team: sales, message: "Connecting you." }
`;
const other = `flow: other
start: one
nodes:
  one:
    say: "Other one"
    next: two
  two:
    say: "Other two"
    choices:
      - { id: back, label: "Back", next: back }
  back:
    goto: { flow: main, node: menu }
`;
const flows = inlineFlows(main, other);
const flow = flows.get('main')!;
const ctx = contextOf(flows);
const menu = feed(startFlow(flow, ctx), [], ctx);

describe('say', () => {
  it('says its text in the contact language and moves on to next', () => {
    expect(texts(menu.actions)).toEqual(['Hello!', 'Pick one']);
    expect(texts(startFlow(flow, contextOf(flows, { contact: { locale: 'cs-CZ' } })).actions)).toEqual(['Ahoj!', 'Vyberte']);
  });

  it('waits at choices, offers them localized, and takes one by id, number or label', () => {
    expect(menu.actions[1]).toMatchObject({ choices: [{ id: 'age', label: 'Age' }, { id: 'loop', label: 'Again' }, ...Array(4).fill(expect.anything())] });
    expect(menu.state).toMatchObject({ node: 'menu', status: 'waiting', retries: 0 });
    for (const input of [{ type: 'choice', choiceId: 'age' } as const, '1', 'AGE']) expect(feed(menu, [input], ctx).state.node).toBe('ask_age');
  });

  it('repeats its retry and the choices on an answer that picks nothing', () => {
    const wrong = feed(menu, ['pizza'], ctx);
    expect(texts(wrong.actions)).toEqual(['From the list, please.', 'Pick one']);
    expect(wrong.actions[1]).toMatchObject({ choices: expect.any(Array) });
    expect(wrong.state).toMatchObject({ node: 'menu', retries: 1 });
  });

  it('ends the flow when it has no next', () => {
    const done = feed(menu, ['1', '40'], ctx);
    expect(done.state).toMatchObject({ node: 'grown', status: 'ended' });
  });
});

describe('ask', () => {
  it('asks, validates, stores the normalised answer and moves on', () => {
    const asked = feed(menu, ['1'], contextOf(flows, { contact: { name: 'Ada' } }));
    expect(texts(asked.actions)).toEqual(['How old are you, Ada?']);
    const answered = feed(asked, ['40'], ctx);
    expect(answered.state.vars).toMatchObject({ age: 40 });
  });

  it('asks again with its retry text, then goes to the fallback when retries run out', () => {
    const once = feed(menu, ['1', 'old'], ctx);
    expect(texts(once.actions)).toEqual(['A whole number, please.', 'How old are you, friend?']);
    expect(once.state).toMatchObject({ node: 'ask_age', retries: 1 });
    expect(texts(feed(once, ['older'], ctx).actions)).toEqual(['Connecting you.', '<handoff>']);
  });

  it('without a fallback, keeps asking', () => {
    const f = inlineFlows(
      `flow: f\nstart: q\nnodes:\n  q:\n    ask: "Number?"\n    var: n\n    validate: { type: number }\n    maxRetries: 1\n    next: done\n  done:\n    end: "Got {{ n }}"\n`,
    );
    const c = contextOf(f);
    const asking = feed(startFlow(f.get('f')!, c), ['x', 'y', 'z'], c);
    expect(texts(asking.actions)).toEqual(["Sorry, I didn't get that.", 'Number?']);
    expect(asking.state.node).toBe('q');
    expect(texts(feed(asking, ['7'], c).actions)).toEqual(['Got 7']);
  });
});

describe('set and branch', () => {
  it('sets literal and templated values, and branches on them', () => {
    const young = feed(menu, ['1', '12'], ctx);
    expect(texts(young.actions)).toEqual(['Hi you, you are young.']);
    expect(young.state.vars).toEqual({ age: 12, greeting: 'Hi you', checked: true, level: 2 });
    expect(texts(feed(menu, ['1', '40'], ctx).actions)).toEqual(['Hi you, you are 40 (level 2).']);
  });

  it('tests equals, in, exists, gt and lt, first match wins, else otherwise', () => {
    const f = inlineFlows(`flow: b
start: check
nodes:
  check:
    branch:
      - when: { var: order.status, equals: shipped }
        next: shipped
      - when: { var: n, gt: 10, lt: 20 }
        next: teen
      - when: { var: n, in: [1, 2, "3"] }
        next: few
      - when: { var: nick, exists: true }
        next: named
    else: other
  shipped: { end: shipped }
  teen: { end: teen }
  few: { end: few }
  named: { end: named }
  other: { end: other }
`);
    const c = contextOf(f);
    const outcome = (vars: Record<string, unknown>) => texts(startFlow(f.get('b')!, c, vars).actions)[0];
    expect(outcome({ order: { status: 'shipped' }, n: 15 })).toBe('shipped');
    expect(outcome({ n: 15 })).toBe('teen');
    expect(outcome({ n: 20 })).toBe('other');
    expect(outcome({ n: 3 })).toBe('few');
    expect(outcome({ n: '2' })).toBe('few');
    expect(outcome({ nick: 'ada' })).toBe('named');
    expect(outcome({ nick: '' })).toBe('other');
    expect(outcome({})).toBe('other');
  });

  it("sees only a variable's own keys: constructor, __proto__ and toString are not there, in a branch or a text", () => {
    const f = inlineFlows(`flow: p
start: check
intents: { order: ask_order }
nodes:
  ask_order: { ask: "Order?", var: order, next: check }
  check:
    branch:
      - when: { var: constructor, exists: true }
        next: inherited
      - when: { var: __proto__, exists: true }
        next: inherited
      - when: { var: order.constructor, exists: true }
        next: inherited
      - when: { var: order.toString, exists: true }
        next: inherited
      - when: { var: order.__proto__, exists: true }
        next: inherited
      - when: { var: order.status, exists: true }
        next: own
    else: nothing
  inherited: { end: "inherited" }
  own: { end: "own: {{ order.status }}" }
  nothing: { end: "[{{ order.constructor }}|{{ order.__proto__ }}|{{ contact.constructor }}]" }
`);
    const c = contextOf(f);
    const outcome = (vars: Record<string, unknown>) => texts(startFlow(f.get('p')!, c, vars).actions)[0];
    expect(outcome({ order: {} })).toBe('[||]');
    expect(outcome({})).toBe('[||]');
    expect(outcome({ order: { status: 'paid' } })).toBe('own: paid');
    // A key that is the variable's own is data, whatever its name.
    expect(outcome({ order: JSON.parse('{"__proto__": "x"}') as unknown })).toBe('inherited');
  });
});

describe('goto', () => {
  it('jumps to a node of the same flow', () => {
    expect(texts(feed(menu, ['2'], ctx).actions)).toEqual(['Hello!', 'Pick one']);
  });

  it('jumps into another flow, at its start or a named node, keeping the variables', () => {
    const atStart = feed(menu, ['3'], ctx);
    expect(texts(atStart.actions)).toEqual(['Other one', 'Other two']);
    expect(atStart.state).toMatchObject({ flow: 'other', version: flows.get('other')!.version, node: 'two', status: 'waiting' });
    const named = feed({ ...menu, state: { ...menu.state, vars: { age: 33 } } }, ['4'], ctx);
    expect(texts(named.actions)).toEqual(['Other two']);
    expect(named.state).toMatchObject({ flow: 'other', node: 'two', vars: { age: 33 } });
    // ...and back again: the caller steps the flow the state names.
    const back = feed(named, ['Back'], ctx);
    expect(texts(back.actions)).toEqual(['Pick one']);
    expect(back.state).toMatchObject({ flow: 'main', node: 'menu', vars: { age: 33 } });
  });

  it('ends when the other flow is not there', () => {
    const alone = contextOf(new Map([['main', flow]]));
    expect(feed(startFlow(flow, alone), ['3'], alone).state).toMatchObject({ node: 'to_other', status: 'ended' });
  });

  it('stops a loop that never asks anything', () => {
    const f = inlineFlows(`flow: loop\nstart: a\nnodes:\n  a:\n    goto: b\n  b:\n    set: { n: 1 }\n    next: a\n`);
    const result = startFlow(f.get('loop')!, contextOf(f));
    expect(result).toEqual({ actions: [], state: expect.objectContaining({ status: 'ended', vars: { n: 1 } }) });
  });
});

describe('handoff', () => {
  it('says its message, hands off with the team, and stays silent after', () => {
    const handed = feed(menu, ['help'], ctx);
    expect(handed.actions).toEqual([
      { type: 'reply', text: 'Connecting you.' },
      { type: 'handoff', team: 'sales' },
    ]);
    expect(handed.state).toMatchObject({ node: 'helpdesk', status: 'handoff' });
    expect(step(flow, handed.state, { type: 'text', text: 'anyone?' }, ctx)).toEqual({ actions: [], state: handed.state });
  });
});

describe('end', () => {
  it('says its text, or nothing, and ends', () => {
    expect(feed(menu, ['Quit'], contextOf(flows, { contact: { locale: 'cs' } })).actions).toEqual([{ type: 'reply', text: 'Nashle' }]);
    const silent = feed(menu, ['6'], ctx);
    expect(silent).toMatchObject({ actions: [], state: { node: 'silent', status: 'ended' } });
  });

  it('starts over on the next message, keeping the variables', () => {
    const ended = feed(menu, ['1', '40'], ctx);
    const again = feed(ended, ['hi'], ctx);
    expect(texts(again.actions)).toEqual(['Hello!', 'Pick one']);
    expect(again.state).toMatchObject({ node: 'menu', status: 'waiting', vars: { age: 40 } });
  });
});
