import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../core/errors.js';
import { flowFiles, loadFlows } from '../../flows/load.js';

function problems(files: Record<string, string>, limits?: Parameters<typeof loadFlows>[1]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-flows-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  try {
    loadFlows(flowFiles([dir]), limits);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => formatIssue({ ...i, file: i.file.slice(dir.length + 1) }));
    throw err;
  }
  return [];
}

describe('flow loading', () => {
  it('loads the example flows of the demo config', () => {
    const flows = loadFlows(flowFiles(['config/flows']));
    const shop = flows.get('shop')!;
    expect(shop.start).toBe('welcome');
    expect(shop.version).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set([...shop.nodes.values()].map((n) => n.kind))).toEqual(new Set(['say', 'ask', 'branch', 'handoff', 'end', 'form', 'http']));
    expect(shop.intents).toMatchObject({ agent: 'to_agent', restart: '@restart' });
  });

  it('reports every problem of every file in one run, at file:line:col', () => {
    const broken = `flow: broken
start: hello
nodes:
  hello:
    say: "Hi {{ nmae }}!"
    choices:
      - { id: a, label: A, next: nowhere }
  orphan:
    end: null
  both:
    say: x
    ask: y
  asker:
    ask: "Number?"
    var: n
    validate: { type: regex, pattern: "(" }
    next: hello
`;
    const other = `flow: other
start: one
nodes:
  one:
    goto: { flow: missing }
`;
    expect(problems({ 'a.yaml': broken, 'b.yaml': other, 'b.test.yaml': 'not a flow' })).toEqual([
      'a.yaml:5:17: nodes.hello.say: variable "nmae" is used but never set (by an ask node\'s var, a set node, a form field or an http node\'s var)',
      'a.yaml:7:34: nodes.hello.choices.0.next: node "nowhere" is not defined; expected one of: hello, orphan',
      'a.yaml:10:3: nodes.both: a node has exactly one kind, found say and ask',
      expect.stringMatching(/^a\.yaml:16:\d+: nodes\.asker\.validate\.pattern: /),
      'b.yaml:5:19: nodes.one.goto.flow: goto names flow "missing", which is not defined; expected one of: other',
    ]);
  });

  it('finds nodes that cannot be reached', () => {
    const flow = `flow: f\nstart: a\nnodes:\n  a:\n    end: bye\n  lonely:\n    end: null\n`;
    expect(problems({ 'f.yaml': flow })).toEqual(['f.yaml:6:3: nodes.lonely: node "lonely" cannot be reached from the start node "a"']);
  });

  it('checks choices against the limits of the channels in use', () => {
    const flow = `flow: f\nstart: a\nnodes:\n  a:\n    say: Pick\n    choices:\n${[1, 2, 3, 4].map((i) => `      - { id: c${i}, label: "Choice number ${i} with a long label", next: a }\n`).join('')}`;
    expect(problems({ 'f.yaml': flow }, { limits: [{ channel: 'tiny', maxChoices: 3, maxChoiceLabelLength: 20 }] })).toEqual([
      'f.yaml:7:7: nodes.a.choices: 4 choices, but tiny shows at most 3',
      ...[0, 1, 2, 3].map((i) => `f.yaml:${7 + i}:26: nodes.a.choices.${i}.label: label of 33 characters, but tiny shows at most 20`),
    ]);
  });

  it('points at YAML syntax errors and missing keys', () => {
    expect(problems({ 'f.yaml': 'flow: f\nstart: [\n' })[0]).toMatch(/^f\.yaml:\d+:\d+: /);
    expect(problems({ 'f.yaml': 'flow: f\nnodes: {}\n' })).toEqual(['f.yaml:1:1: start: missing (expected string)']);
  });

  it('reports wrong types and every unknown key at its own place, as the config check does', () => {
    expect(problems({ 'f.yaml': 'flow: 5\nstart: a\ncolour: red\nsize: 3\nnodes:\n  a: { end: null }\n' })).toEqual([
      'f.yaml:1:7: flow: expected string, got number',
      'f.yaml:3:1: colour: unknown key "colour"',
      'f.yaml:4:1: size: unknown key "size"',
    ]);
  });

  it('counts form fields and http vars as set, lets only http nodes use secrets, and follows onError', () => {
    const flow = `flow: f
start: lead
nodes:
  lead:
    form:
      id: callback
      fields:
        - { name: name, label: "Name?", required: true }
        - { name: size, label: "Size, {{ name }}?", type: choice, options: [{ id: s, label: Small }] }
        - { name: phone, label: "Phone?", type: phone, defaultCountry: CZ, retry: "Phone, {{ name }}?" }
      consent: { label: "News for {{ name }}?" }
      submitted: "Thanks {{ name }}"
    next: call
  call:
    http:
      method: POST
      url: "https://api.example.com/leads/{{ size }}"
      headers: { Authorization: "Bearer {{ secrets.api_key }}" }
      body: '{"name": {{ name }}, "phone": {{ phone }}}'
    var: saved
    next: done
    onError: failed
  done:
    end: "Saved as {{ saved.id }}."
  failed:
    end: "Sorry: {{ saved.error }}"
`;
    expect(problems({ 'f.yaml': flow })).toEqual([]);
  });

  it('reports a transcript node that names no variable the flow sets, or a key it does not know, at file:line:col', () => {
    const flow = `flow: f
start: ask
nodes:
  ask:
    ask: "Your e-mail?"
    var: email
    validate: { type: email }
    next: send
  send:
    transcript: { to: emial, say: "Sent." }
  again:
    transcript: { to: email, cc: boss }
`;
    expect(problems({ 'f.yaml': flow })).toEqual([
      expect.stringMatching(/^f\.yaml:10:\d+: nodes\.send\.transcript\.to: .*emial/),
      expect.stringMatching(/^f\.yaml:12:\d+: nodes\.again\.transcript\.cc: unknown key "cc"/),
    ]);
  });

  it('reports problems of form and http nodes at file:line:col', () => {
    const flow = `flow: f
start: lead
nodes:
  lead:
    form:
      id: callback
      title: "Hi {{ nmae }}, {{ secrets.key }}"
      fields:
        - { name: name, label: "Name?", type: bogus }
        - { name: size, label: "Size?", type: choice }
        - { name: mail, label: "Mail?", type: email, options: [{ id: a, label: A }] }
        - { name: mail, label: "Again?" }
        - { name: code, label: "Code?", lable: x }
      consent: { label: "Ok {{ name", purpose: Marketing }
    next: nowhere
  call:
    http:
      url: "ftp://example.com/{{ name }}"
      headers: { "bad header": x }
      body: "{}"
      timeoutMs: 60000
    var: result
    next: lead
    onError: gone
  shown:
    say: "{{ result.x }} {{ q }}"
`;
    expect(problems({ 'f.yaml': flow })).toEqual([
      "f.yaml:9:47: nodes.lead.form.fields.0.type: Invalid discriminator value. Expected 'text' | 'email' | 'phone' | 'number' | 'date' | 'regex' | 'choice'",
      'f.yaml:10:11: nodes.lead.form.fields.1.options: a choice field needs options',
      'f.yaml:11:63: nodes.lead.form.fields.2.options: options are only for a field of type choice',
      'f.yaml:13:41: nodes.lead.form.fields.4.lable: unknown key "lable"',
      'f.yaml:14:48: nodes.lead.form.consent.purpose: expected a lowercase purpose like "marketing"',
      'f.yaml:18:12: nodes.call.http.url: expected an http:// or https:// URL whose host and port are written out ({{ }} only after the host)',
      'f.yaml:19:18: nodes.call.http.headers.bad header: expected a header name',
      'f.yaml:21:18: nodes.call.http.timeoutMs: Too big: expected number to be <=30000',
      'f.yaml:26:29: nodes.shown.say: variable "q" is used but never set (by an ask node\'s var, a set node, a form field or an http node\'s var)',
    ]);
  });

  it('rejects duplicate form fields and a GET with a body', () => {
    const flow = `flow: f
start: lead
nodes:
  lead:
    form:
      id: callback
      fields: [{ name: mail, label: "Mail?" }, { name: mail, label: "Again?" }]
    next: call
  call:
    http: { url: "https://example.com/", body: "{}" }
    var: result
    next: lead
    onError: lead
`;
    expect(problems({ 'f.yaml': flow })).toEqual([
      'f.yaml:7:56: nodes.lead.form.fields.1.name: field "mail" is already in this form',
      'f.yaml:10:48: nodes.call.http.body: a GET request cannot have a body',
    ]);
  });

  it('refuses an http url whose host or port a variable could change, and allows variables after the host', () => {
    const urls = [
      'https://1{{ x }}/',
      'https://api.example.com:{{ x }}/',
      'https://{{ x }}.example.com/',
      'http://a\\{{ x }}/',
      'https://api.example.com/{{ x }}',
    ];
    const flow = `flow: f\nstart: ask\nnodes:\n  ask:\n    ask: "?"\n    var: x\n    next: c0\n${urls
      .map((url, i) => `  c${i}:\n    http: { url: '${url}' }\n    var: r${i}\n    next: ${i < urls.length - 1 ? `c${i + 1}` : 'ask'}\n    onError: ask\n`)
      .join('')}`;
    const refused = problems({ 'f.yaml': flow }).filter((p) => p.includes('written out'));
    expect(refused.map((p) => p.split(':').slice(0, 3).join(':'))).toEqual(['f.yaml:9:18', 'f.yaml:14:18', 'f.yaml:19:18', 'f.yaml:24:18']);
  });

  it('checks the edges, templates and reachability of valid form and http nodes', () => {
    const flow = `flow: f
start: lead
nodes:
  lead:
    form:
      id: callback
      title: "Hi {{ nmae }}, {{ secrets.key }}"
      fields: [{ name: name, label: "Name {{ name" }]
    next: nowhere
  call:
    http:
      url: "https://example.com/{{ q }}"
      headers: { X-Key: "{{ secrets.k }} {{ missing }}" }
    var: result
    next: lead
    onError: gone
`;
    expect(problems({ 'f.yaml': flow })).toEqual([
      'f.yaml:7:21: nodes.lead.form.title: variable "nmae" is used but never set (by an ask node\'s var, a set node, a form field or an http node\'s var)',
      "f.yaml:7:33: nodes.lead.form.title: secrets can only be used in an http node's url, headers or body",
      'f.yaml:8:43: nodes.lead.form.fields.0.label: unclosed "{{" (write \\{{ for a literal "{{")',
      'f.yaml:9:11: nodes.lead.next: node "nowhere" is not defined; expected one of: lead, call',
      'f.yaml:10:3: nodes.call: node "call" cannot be reached from the start node "lead"',
      'f.yaml:12:36: nodes.call.http.url: variable "q" is used but never set (by an ask node\'s var, a set node, a form field or an http node\'s var)',
      'f.yaml:13:45: nodes.call.http.headers.X-Key: variable "missing" is used but never set (by an ask node\'s var, a set node, a form field or an http node\'s var)',
      'f.yaml:16:14: nodes.call.onError: node "gone" is not defined; expected one of: lead, call',
    ]);
  });

  it('checks form options against the limits of the channels in use', () => {
    const flow = `flow: f\nstart: a\nnodes:\n  a:\n    form:\n      id: x\n      fields:\n        - name: pick\n          label: Pick\n          type: choice\n          options:\n${[1, 2, 3, 4].map((i) => `            - { id: c${i}, label: "Option number ${i} with a long label" }\n`).join('')}    next: a\n`;
    expect(problems({ 'f.yaml': flow }, { limits: [{ channel: 'tiny', maxChoices: 3, maxChoiceLabelLength: 20 }] })).toEqual([
      'f.yaml:12:13: nodes.a.form.fields.0.options: 4 choices, but tiny shows at most 3',
      ...[0, 1, 2, 3].map((i) => `f.yaml:${12 + i}:32: nodes.a.form.fields.0.options.${i}.label: label of 33 characters, but tiny shows at most 20`),
    ]);
  });
});
