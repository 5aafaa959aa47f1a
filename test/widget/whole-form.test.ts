import { describe, expect, it } from 'vitest';
import { startFlow, type FlowAction } from '../../flows/engine.js';
import { contextOf, feed, inlineFlows, texts } from '../flows/inline.js';

// A flow's `form` node on a channel that shows forms whole (the widget): one form out, one
// submission in, checked on the hub with the same validators as the question-by-question form.
const flows = inlineFlows(`flow: callback
start: form
nodes:
  form:
    form:
      id: callback
      title: "Call me back"
      fields:
        - { name: name, label: "Name", required: true }
        - { name: email, label: "E-mail", type: email, retry: "Not an e-mail address." }
        - { name: code, label: "Code", type: regex, pattern: "^[A-Z]{3}$" }
        - { name: size, label: "Size", type: choice, options: [{ id: s, label: Small }, { id: l, label: Large }] }
      consent: { label: "News for {{ name | \\"you\\" }}?", purpose: marketing }
      submitted: "Thanks {{ name }}."
    next: done
  done:
    end: null
`);
const ctx = contextOf(flows, { channel: 'widget', forms: true });
const start = () => startFlow(flows.get('callback')!, ctx);
const submit = (fields: Record<string, string>, granted?: boolean) => ({
  type: 'form' as const,
  form: 'callback',
  fields,
  ...(granted !== undefined ? { consent: { purpose: 'marketing', granted } } : {}),
});
const lead = (actions: FlowAction[]) => actions.find((a) => a.type === 'lead');

describe('a form node on a channel with forms', () => {
  it('is sent as one form with typed fields and an unticked consent box', () => {
    const first = start();
    expect(first.actions).toEqual([
      {
        type: 'reply',
        text: 'Call me back',
        form: {
          id: 'callback',
          fields: [
            { name: 'name', label: 'Name', type: 'text', required: true },
            { name: 'email', label: 'E-mail', type: 'email', required: false },
            { name: 'code', label: 'Code', type: 'text', required: false },
            {
              name: 'size',
              label: 'Size',
              type: 'choice',
              required: false,
              options: [
                { id: 's', label: 'Small' },
                { id: 'l', label: 'Large' },
              ],
            },
          ],
          consent: { purpose: 'marketing', text: 'News for you?' },
        },
      },
    ]);
  });

  it('refuses invalid fields on the hub, says which, shows the form again and stores no lead', () => {
    const result = feed(start(), [submit({ email: 'not-an-email', code: 'abc', size: 'huge' }, true)], ctx);
    expect(lead(result.actions)).toBeUndefined();
    expect(texts(result.actions)[0]).toBe(
      "Please check:\n• Name This field is required.\n• E-mail Not an e-mail address.\n• Code Sorry, I didn't get that.\n• Size Sorry, I didn't get that.",
    );
    expect(result.actions[1]).toMatchObject({ type: 'reply', form: { id: 'callback' } });
    expect(result.state).toMatchObject({ node: 'form', status: 'waiting' });
  });

  it('stores the lead with normalised values and the consent as shown; an unticked box is a refusal', () => {
    const done = feed(start(), [submit({ name: 'Ada', email: ' Ada@Example.COM ', code: 'XYZ', size: 'Large' }, true)], ctx);
    expect(lead(done.actions)).toEqual({
      type: 'lead',
      form: 'callback',
      fields: { name: 'Ada', email: 'Ada@example.com', code: 'XYZ', size: 'l' },
      consent: { purpose: 'marketing', granted: true, text: 'News for you?' },
    });
    expect(texts(done.actions)).toContain('Thanks Ada.');
    const unticked = feed(start(), [submit({ name: 'Bo' })], ctx);
    expect(lead(unticked.actions)).toMatchObject({ fields: { name: 'Bo' }, consent: { granted: false } });
  });

  it('ignores a submission of another form, and answers typed text by pointing at the form', () => {
    const first = start();
    expect(feed(first, [{ type: 'form', form: 'other', fields: { name: 'x' } }], ctx).actions).toEqual([]);
    const typed = feed(first, ['my name is Ada'], ctx);
    expect(texts(typed.actions)[0]).toBe('Please use the form below.');
    expect(typed.actions[1]).toMatchObject({ form: { id: 'callback' } });
  });

  it('is still asked one field per message on channels without forms', () => {
    const plain = startFlow(flows.get('callback')!, contextOf(flows));
    expect(texts(plain.actions)).toEqual(['Call me back', 'Name']);
    expect(plain.actions.some((a) => a.type === 'reply' && a.form)).toBe(false);
  });
});
