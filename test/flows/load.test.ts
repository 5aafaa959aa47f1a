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
    expect([...shop.nodes.values()].map((n) => n.kind)).toContain('handoff');
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
      'a.yaml:5:17: nodes.hello.say: variable "nmae" is used but never set (by an ask node\'s var or a set node)',
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
});
