import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { flowFiles, loadFlows } from '../../flows/load.js';
import { loadTranscripts, parseTranscript, runTranscript, transcriptFiles, type Transcript } from '../../flows/transcript.js';
import { inlineFlows } from './inline.js';

const flows = loadFlows(flowFiles(['config/flows']));
const examples = loadTranscripts(transcriptFiles(['config/flows']));

/** A transcript from YAML text, which must be valid. */
function transcript(text: string, file = 'inline.test.yaml'): Transcript {
  const result = parseTranscript(text, file);
  expect(result.issues).toEqual([]);
  return result.transcript!;
}

/** Each test's failures as `line:col: message`. */
function failures(t: Transcript, on = flows): string[][] {
  return runTranscript(t, on).map((r) => r.failures.map((f) => `${f.line}:${f.col}: ${f.message}`));
}

describe.each(examples.map((t) => [t.file, t] as const))('golden transcripts of %s', (_file, example) => {
  it.each(example.tests.map((t) => [t.name, t] as const))('%s', (_name, test) => {
    const [result] = runTranscript({ ...example, tests: [test] }, flows);
    expect(result!.failures.map((f) => `${example.file}:${f.line}:${f.col}: ${f.message}`)).toEqual([]);
    expect(result!.passed).toBe(true);
  });
});

describe('transcript runner', () => {
  it('reports a wrong reply at its step, with expected and actual', () => {
    const t = transcript(`flow: shop
tests:
  - name: wrong greeting
    steps:
      - bot: "Hello!"
      - user: "1"
      - bot: { text: "We are open Mon–Fri 9:00–18:00 and Sat 9:00–12:00." }
      - bot: { matches: "^Anything", choices: [done, more] }
`);
    const [result] = runTranscript(t, flows);
    expect(result).toMatchObject({ name: 'wrong greeting', file: 'inline.test.yaml', passed: false });
    expect(failures(t)).toEqual([
      [
        "5:9: expected bot reply 'Hello!', got 'Hi there! I'm the Demo Shop assistant. What can I do for you?'",
        '8:9: expected choices [done, more], got [more, done]',
      ],
    ]);
  });

  it('requires every reply to be checked before an input and at the end', () => {
    const t = transcript(`flow: shop
tests:
  - name: skips the greeting
    steps:
      - user: "1"
      - bot: "never reached"
  - name: stops listening early
    steps:
      - bot: { matches: "^Hi" }
      - choice: hours
      - bot: { matches: "^We are open" }
`);
    expect(failures(t)).toEqual([
      ["5:9: unexpected bot reply 'Hi there! I'm the Demo Shop assistant. What can I do for you?'"],
      ["11:9: unexpected bot reply 'Anything else?'"],
    ]);
  });

  it('stops a test at a reply that never comes, saying where the flow is', () => {
    const t = transcript(`flow: shop
tests:
  - name: waits for more
    steps:
      - bot: { matches: "^Hi" }
      - bot: "Anything else?"
      - status: ended
`);
    expect(failures(t)).toEqual([['6:9: expected bot reply \'Anything else?\', but the bot said nothing more (waiting at node "welcome")']]);
  });

  it('answers the pending http request, checks its URL, and fails when none is pending', () => {
    const t = transcript(`flow: shop
tests:
  - name: wrong url
    steps:
      - bot: { matches: "^Hi" }
      - choice: order_status
      - bot: { matches: "order number" }
      - user: "123456"
      - http: { ok: true, json: { status: processing }, expectUrl: "http://127.0.0.1:3000/demo/orders/654321" }
      - bot: { matches: "^Order 123456 is being prepared" }
      - bot: "Anything else?"
      - http: { ok: false, error: timeout }
`);
    expect(failures(t)).toEqual([
      [
        "9:9: expected request URL 'http://127.0.0.1:3000/demo/orders/654321', got 'http://127.0.0.1:3000/demo/orders/123456'",
        '12:9: no http request is pending (waiting at node "anything_else")',
      ],
    ]);
  });

  it('checks leads (a subset of fields, the consent), handoffs, variables and status', () => {
    const t = transcript(`flow: shop
contact: { name: Ada }
tests:
  - name: mismatches
    steps:
      - bot: { matches: "^Hi Ada!" }
      - choice: callback
      - bot: { matches: "^Sure" }
      - bot: { matches: "name" }
      - user: Ada
      - bot: { matches: "e-mail" }
      - user: ada@example.com
      - bot: { matches: "phone" }
      - user: skip
      - bot: { matches: "news" }
      - choice: "no"
      - lead: { form: callback, fields: { name: Ada, phone: "+420601123456" }, consent: true }
      - handoff: support
      - vars: { name: Ada, email: null, phone: null }
      - status: ended
      - bot: { matches: "^Thanks Ada" }
      - bot: "Anything else?"
`);
    expect(failures(t)).toEqual([
      [
        '17:9: lead field phone: expected "+420601123456", got unset',
        '17:9: expected lead consent true, got false',
        '18:9: expected a handoff to \'support\', but none happened (waiting at node "anything_else")',
        '19:9: variable email: expected unset, got "ada@example.com"',
        '20:9: expected status ended, got waiting at node "anything_else"',
      ],
    ]);
  });

  it('follows a goto into another flow', () => {
    const two = inlineFlows(
      'flow: a\nstart: hi\nnodes:\n  hi: { say: "Hi from a", next: jump }\n  jump: { goto: { flow: b } }\n',
      'flow: b\nstart: ask\nnodes:\n  ask: { ask: "Name?", var: name, next: bye }\n  bye: { end: "Bye {{ name }}" }\n',
    );
    const t = transcript(`flow: a
tests:
  - name: into b
    steps:
      - bot: "Hi from a"
      - bot: "Name?"
      - user: Bo
      - bot: "Bye Bo"
      - status: ended
`);
    expect(failures(t, two)).toEqual([[]]);
  });

  it('fails every test of a transcript whose flow does not exist, at the flow key', () => {
    const t = transcript('# no such flow\nflow: shopp\ntests:\n  - name: one\n    steps: [{ status: waiting }]\n');
    expect(failures(t)).toEqual([['2:7: flow "shopp" is not defined; expected one of: shop']]);
  });
});

describe('transcript files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-transcripts-'));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reports malformed YAML as file:line:col', () => {
    const file = write('broken.test.yaml', 'flow: shop\ntests:\n  - name: "unclosed\n    steps: []\n');
    expect(() => loadTranscripts([file])).toThrow(ConfigError);
    expect(() => loadTranscripts([file])).toThrow(new RegExp(`^${file}:5:1: `));
  });

  it('reports each bad step and key at its line:col, across tests', () => {
    const file = write(
      'bad.test.yaml',
      `flow: shop
tests:
  - name: one
    steps:
      - say: "hi"
      - bot: x
        user: y
      - http: { ok: false }
      - lead: { consent: maybe }
  - name: one
    colour: red
    steps:
      - bot: { matches: "(" }
`,
    );
    let error: unknown;
    try {
      loadTranscripts([file]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => `${i.line}:${i.col}: ${i.message}`)).toEqual([
      '5:9: expected a step with one of: bot, user, choice, http, lead, handoff, vars, status',
      '6:9: a step has exactly one kind, found bot and user',
      '8:15: a failed request needs an error, e.g. timeout',
      '9:26: expected true, false or none',
      '11:5: unknown key "colour"',
    ]);
  });

  it('finds *.test.yaml files in a folder, and no flow files', () => {
    write('flow.yaml', 'flow: x\n');
    expect(transcriptFiles([dir])).toEqual([join(dir, 'bad.test.yaml'), join(dir, 'broken.test.yaml')]);
  });
});
