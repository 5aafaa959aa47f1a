import { describe, expect, it } from 'vitest';
import { startFlow, step, type StepContext } from '../../flows/engine.js';
import { contextOf, feed, inlineFlows, texts } from './inline.js';

const survey = `flow: survey
start: ask
intents:
  agent: people
nodes:
  ask:
    form:
      id: survey
      title: { en: "Quick survey", cs: "Krátký průzkum" }
      skip: [pass, "N/A"]
      fields:
        - { name: name, label: "Name?", required: true }
        - name: size
          label: { en: "Size?", cs: "Velikost?" }
          type: choice
          options: [{ id: s, label: { en: Small, cs: Malá } }, { id: l, label: { en: Large, cs: Velká } }]
          retry: "Small or large?"
        - { name: count, label: "How many, {{ name }}?", type: number, integer: true, min: 1 }
        - { name: when, label: "Date?", type: date }
        - { name: code, label: "Code?", type: regex, pattern: "^[A-Z]{3}$", required: true, retry: "Three capital letters." }
      submitted: "Thanks {{ name }}: {{ count | \\"some\\" }} x {{ size | \\"any\\" }}."
    next: after
  after:
    say: "After, {{ name }}."
  people:
    handoff: { message: "Passing on." }
`;
const news = `flow: news
start: signup
nodes:
  signup:
    form:
      id: newsletter
      fields:
        - { name: name, label: "Name?", required: true }
        - { name: email, label: "E-mail? (or skip)", type: email }
      consent: { label: { en: "May we e-mail you offers, {{ name }}?", cs: "Můžeme vám posílat nabídky, {{ name }}?" } }
    next: done
  done:
    end: null
`;
const flows = inlineFlows(survey, news);
const ctx = contextOf(flows);
const cs: StepContext = contextOf(flows, { contact: { locale: 'cs' } });
const start = (id: string, c = ctx, vars?: Record<string, unknown>) => startFlow(flows.get(id)!, c, vars);

describe('form node', () => {
  it('says the title, then asks the first field', () => {
    const begun = start('survey');
    expect(texts(begun.actions)).toEqual(['Quick survey', 'Name?']);
    expect(begun.state).toMatchObject({ node: 'ask', status: 'waiting', form: { field: 0, values: {} } });
    expect(texts(start('survey', cs).actions)).toEqual(['Krátký průzkum', 'Name?']);
  });

  it('asks one field per message, stores typed values as variables, emits the lead, says submitted and goes on', () => {
    const steps = ['Ada', '2', '3', '21. 11. 2026', 'ABC'].map((_, i, all) => feed(start('survey'), all.slice(0, i + 1), ctx));
    expect(steps.map((s) => texts(s.actions))).toEqual([['Size?'], ['How many, Ada?'], ['Date?'], ['Code?'], ['<lead>', 'Thanks Ada: 3 x l.', 'After, Ada.']]);
    expect(steps[0]!.actions[0]).toEqual({
      type: 'reply',
      text: 'Size?',
      choices: [
        { id: 's', label: 'Small' },
        { id: 'l', label: 'Large' },
      ],
    });
    expect(steps[2]!.state).toMatchObject({ form: { field: 3, values: { name: 'Ada', size: 'l', count: 3 } }, vars: { name: 'Ada', size: 'l', count: 3 } });
    const done = steps[4]!;
    expect(done.actions[0]).toEqual({ type: 'lead', form: 'survey', fields: { name: 'Ada', size: 'l', count: 3, when: '2026-11-21', code: 'ABC' } });
    expect(done.state).toMatchObject({ node: 'after', status: 'ended', vars: { name: 'Ada', size: 'l', count: 3, when: '2026-11-21', code: 'ABC' } });
    expect(done.state.form).toBeUndefined();
  });

  it('takes a choice field by button, by localized label or by number', () => {
    const atSize = feed(start('survey', cs), ['Ada'], cs);
    expect(atSize.actions[0]).toMatchObject({
      text: 'Velikost?',
      choices: [
        { id: 's', label: 'Malá' },
        { id: 'l', label: 'Velká' },
      ],
    });
    for (const input of [{ type: 'choice', choiceId: 's' } as const, 'malá', '1']) {
      expect(feed(atSize, [input], cs).state.form?.values.size).toBe('s');
    }
  });

  it("answers an invalid answer with the field's retry (or a default) and the same question", () => {
    const atSize = feed(start('survey'), ['Ada'], ctx);
    const wrong = feed(atSize, ['medium'], ctx);
    expect(texts(wrong.actions)).toEqual(['Small or large?', 'Size?']);
    expect(wrong.actions[1]).toMatchObject({
      choices: [
        { id: 's', label: 'Small' },
        { id: 'l', label: 'Large' },
      ],
    });
    expect(wrong.state).toMatchObject({ retries: 1, form: { field: 1 } });
    const twice = feed(wrong, ['huge'], ctx);
    expect(twice.state.retries).toBe(2);
    // No limit on tries; a good answer moves on and clears the count.
    expect(feed(twice, ['Large'], ctx).state).toMatchObject({ retries: 0, form: { field: 2 } });
    expect(texts(feed(twice, ['Large', '0'], ctx).actions)).toEqual(["Sorry, I didn't get that.", 'How many, Ada?']);
  });

  it("skips an optional field with the node's skip words, and never a required one", () => {
    const skipped = feed(start('survey'), ['Ada', 'pass', ' n/a ', 'PASS'], ctx);
    expect(texts(skipped.actions)).toEqual(['Code?']);
    expect(skipped.state.form?.values).toEqual({ name: 'Ada' });
    // "skip" is not one of this form's words, so for a number it is just a wrong answer.
    expect(texts(feed(start('survey'), ['Ada', 'pass', 'skip'], ctx).actions)).toEqual(["Sorry, I didn't get that.", 'How many, Ada?']);
    const required = feed(skipped, ['pass'], ctx);
    expect(texts(required.actions)).toEqual(['Three capital letters.', 'Code?']);
    const first = feed(start('survey'), ['n/a'], ctx);
    expect(texts(first.actions)).toEqual(["Sorry, I didn't get that.", 'Name?']);
    const done = feed(skipped, ['XYZ'], ctx);
    expect(done.actions[0]).toEqual({ type: 'lead', form: 'survey', fields: { name: 'Ada', code: 'XYZ' } });
    expect(texts(done.actions)[1]).toBe('Thanks Ada: some x any.');
  });

  it('leaves a skipped field unset, even if an earlier answer set it', () => {
    const done = feed(start('survey', ctx, { count: 99, other: 1 }), ['Ada', 'pass', 'pass', 'pass', 'XYZ'], ctx);
    expect(done.state.vars).toEqual({ other: 1, name: 'Ada', code: 'XYZ' });
  });

  it('uses the default skip words "skip" and "-"', () => {
    expect(feed(start('news'), ['Ada', 'skip'], ctx).state.form).toMatchObject({ field: 2, values: { name: 'Ada' } });
    expect(feed(start('news'), ['Ada', '-'], ctx).state.form).toMatchObject({ field: 2, values: { name: 'Ada' } });
    expect(texts(feed(start('news'), ['Ada', 'pass'], ctx).actions)).toEqual(["Sorry, I didn't get that.", 'E-mail? (or skip)']);
  });

  it('asks for consent as a yes/no choice with nothing preselected, and records the answer with the text shown', () => {
    const asked = feed(start('news'), ['Ada', 'ada@example.com'], ctx);
    expect(asked.actions).toEqual([
      {
        type: 'reply',
        text: 'May we e-mail you offers, Ada?',
        choices: [
          { id: 'yes', label: 'Yes' },
          { id: 'no', label: 'No' },
        ],
      },
    ]);
    expect(asked.state.form).toEqual({ field: 2, values: { name: 'Ada', email: 'ada@example.com' } });
    const lead = (granted: boolean) => ({
      type: 'lead',
      form: 'newsletter',
      fields: { name: 'Ada', email: 'ada@example.com' },
      consent: { purpose: 'marketing', granted, text: 'May we e-mail you offers, Ada?' },
    });
    for (const answer of ['yes', '1', 'YES', { type: 'choice', choiceId: 'yes' } as const]) expect(feed(asked, [answer], ctx).actions).toEqual([lead(true)]);
    for (const answer of ['no', '2', { type: 'choice', choiceId: 'no' } as const]) expect(feed(asked, [answer], ctx).actions).toEqual([lead(false)]);
    const unclear = feed(asked, ['maybe'], ctx);
    expect(texts(unclear.actions)).toEqual(['Please pick one of the options.', 'May we e-mail you offers, Ada?']);
    expect(unclear.state.form?.field).toBe(2);
    // Skip words do not answer the consent question either.
    expect(feed(asked, ['skip'], ctx).state.form?.field).toBe(2);
  });

  it('asks for consent in the contact language, taking "ano" or "yes"', () => {
    const asked = feed(start('news', cs), ['Ada', '-'], cs);
    expect(asked.actions).toEqual([
      {
        type: 'reply',
        text: 'Můžeme vám posílat nabídky, Ada?',
        choices: [
          { id: 'yes', label: 'Ano' },
          { id: 'no', label: 'Ne' },
        ],
      },
    ]);
    for (const answer of ['Ano', 'yes']) {
      expect(feed(asked, [answer], cs).actions[0]).toMatchObject({ consent: { granted: true, text: 'Můžeme vám posílat nabídky, Ada?' } });
    }
    expect(feed(asked, ['ne'], cs).actions[0]).toMatchObject({ consent: { granted: false } });
  });

  it('lets intents work mid-form, dropping its progress', () => {
    const left = feed(start('survey'), ['Ada', 'agent'], ctx);
    expect(texts(left.actions)).toEqual(['Passing on.', '<handoff>']);
    expect(left.state.form).toBeUndefined();
  });

  it('starts a form again from its first field when entered again', () => {
    const f = inlineFlows(`flow: again
start: f
nodes:
  f:
    form:
      id: loop
      fields: [{ name: x, label: "X?" }]
    next: f
`);
    const c = contextOf(f);
    const round = feed(startFlow(f.get('again')!, c), ['1'], c);
    expect(round.actions).toEqual([
      { type: 'lead', form: 'loop', fields: { x: '1' } },
      { type: 'reply', text: 'X?' },
    ]);
    expect(round.state.form).toEqual({ field: 0, values: {} });
  });

  it('copes with a state that lost its form progress', () => {
    const begun = start('survey');
    const { form: _lost, ...state } = begun.state;
    expect(step(flows.get('survey')!, state, { type: 'text', text: 'Ada' }, ctx).state.form).toEqual({ field: 1, values: { name: 'Ada' } });
    const past = step(flows.get('survey')!, { ...begun.state, form: { field: 9, values: { name: 'Ada' } } }, { type: 'text', text: 'x' }, ctx);
    expect(past.actions[0]).toEqual({ type: 'lead', form: 'survey', fields: { name: 'Ada' } });
  });
});
