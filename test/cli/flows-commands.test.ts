import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { builtinRegistry } from '../../adapters/index.js';
import { apiCapabilities } from '../../adapters/api/index.js';
import { loadConfig } from '../../core/config/load.js';
import type { HttpRequest } from '../../flows/engine.js';
import { flowFiles, loadFlows } from '../../flows/load.js';
import { chat, prepareTry, registerFlowCommands, testFlows, type TrySession } from '../../cli/flows-commands.js';

const flows = loadFlows(flowFiles(['config/flows']));
const session = (extra: Partial<TrySession> = {}): TrySession => ({
  flow: flows.get('shop')!,
  flows,
  channel: 'api',
  capabilities: apiCapabilities,
  contact: {},
  ...extra,
});

/** Plays `lines` as the user's input and returns everything written. */
async function play(s: TrySession, ...lines: string[]): Promise<string[]> {
  const out: string[] = [];
  async function* input() {
    yield* lines;
  }
  await chat(s, input(), (line) => out.push(...line.split('\n')), { echo: true });
  return out;
}

describe('flows try', () => {
  it('shows the api channel buttons; a typed number presses one', async () => {
    expect(await play(session(), '1', '/quit', 'never read')).toEqual([
      "bot> Hi there! I'm the Demo Shop assistant. What can I do for you?",
      '     [1] Opening hours  [2] Order status  [3] Call me back  [4] Talk to a human',
      'you> 1',
      'bot> We are open Mon–Fri 9:00–18:00 and Sat 9:00–12:00.',
      'bot> Anything else?',
      '     [1] Yes  [2] No, thanks',
      'you> /quit',
    ]);
  });

  it('shows the numbered text where a channel has no buttons', async () => {
    const out = await play(session({ capabilities: { ...apiCapabilities, maxChoices: 0 } }), '4');
    expect(out.slice(0, 7)).toEqual([
      "bot> Hi there! I'm the Demo Shop assistant. What can I do for you?",
      '',
      '     1. Opening hours',
      '     2. Order status',
      '     3. Call me back',
      '     4. Talk to a human',
      'you> 4',
    ]);
    expect(out.slice(7)).toEqual(['bot> I am passing you to a colleague; someone will answer here shortly.', '     (handed off to support)']);
  });

  it('performs http requests, and notes leads and handoffs', async () => {
    const requests: HttpRequest[] = [];
    const http = async (request: HttpRequest) => {
      requests.push(request);
      return { ok: true as const, json: { status: 'shipped', eta: '2026-11-24' } };
    };
    const out = await play(session({ http, contact: { name: 'Ada' } }), 'Order status', '123456');
    expect(requests.map((r) => r.url)).toEqual(['http://127.0.0.1:3000/demo/orders/123456']);
    expect(out.slice(3)).toEqual([
      'bot> What is your order number? You will find it in the order confirmation.',
      'you> 123456',
      '     (GET http://127.0.0.1:3000/demo/orders/123456 → ok)',
      'bot> Good news: order 123456 has shipped and should arrive by 2026-11-24.',
      'bot> Anything else?',
      '     [1] Yes  [2] No, thanks',
    ]);

    const lead = await play(session(), '3', 'Ada', 'skip', '-', '2');
    expect(lead).toContain(
      '     (lead captured: {"form":"callback","fields":{"name":"Ada"},"consent":{"purpose":"marketing","granted":false,"text":"May we also send you news and offers?"}})',
    );
  });

  it('knows the flows and channels of the config, and says which exist', () => {
    const config = loadConfig('config/switchboard.yaml', { channelSchemas: builtinRegistry().schemas(), env: {} });
    expect(prepareTry(config, 'shop', { locale: 'cs', name: 'Ada' })).toMatchObject({
      channel: 'api',
      contact: { locale: 'cs', name: 'Ada' },
      capabilities: apiCapabilities,
    });
    expect(() => prepareTry(config, 'shop', { channel: 'fax' })).toThrow(
      `unknown channel "fax"; known channels: ${[...builtinRegistry().schemas().keys()].join(', ')}`,
    );
    expect(() => prepareTry(config, 'shoe')).toThrow('no workspace has a flow "shoe"; flows: shop');
  });
});

describe('flows test', () => {
  const flow =
    'flow: hello\nstart: ask_name\nnodes:\n  ask_name: { ask: "What is your name?", var: name, next: greet }\n  greet: { end: "Hello {{ name }}!" }\n';
  const test = (name: string, greeting: string) =>
    `flow: hello\ntests:\n  - name: ${name}\n    steps:\n      - bot: "What is your name?"\n      - user: Ada\n      - bot: "${greeting}"\n`;
  const folder = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-flows-test-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };
  const run = (...paths: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = testFlows(paths, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  };

  it('prints each test, each failure as file:line:col, and the summary; 1 when one failed', () => {
    const dir = folder({
      'hello.yaml': flow,
      'fail.test.yaml': test('expects a wrong greeting', 'Hi Ada!'),
      'pass.test.yaml': test('greets by name', 'Hello Ada!'),
    });
    expect(run(dir)).toEqual({
      code: 1,
      out: [
        '✗ expects a wrong greeting',
        `  ${join(dir, 'fail.test.yaml')}:7:9: expected bot reply 'Hi Ada!', got 'Hello Ada!'`,
        '✓ greets by name',
        '1 passed, 1 failed',
      ],
      err: [],
    });
    expect(run(join(dir, 'pass.test.yaml'))).toEqual({ code: 0, out: ['✓ greets by name', '1 passed, 0 failed'], err: [] });
  });

  it('reports invalid transcripts and flows on err, runs the rest, and returns 1', () => {
    const dir = folder({ 'hello.yaml': flow, 'ok.test.yaml': test('greets by name', 'Hello Ada!'), 'broken.test.yaml': 'flow: hello\ntests: []\n' });
    expect(run(dir)).toEqual({
      code: 1,
      out: ['✓ greets by name', '1 passed, 0 failed'],
      err: [`${join(dir, 'broken.test.yaml')}:2:8: tests: Too small: expected array to have >=1 items`],
    });
    const bad = folder({ 'hello.yaml': 'flow: hello\nstart: nowhere\nnodes: {}\n', 'ok.test.yaml': test('greets', 'Hello Ada!') });
    const result = run(bad);
    expect(result).toMatchObject({ code: 1, out: ['0 passed, 0 failed'] });
    expect(result.err[0]).toMatch(/hello\.yaml:2:8: start: start node "nowhere" is not defined/);
  });

  describe('as a command', () => {
    afterEach(() => {
      process.exitCode = undefined;
      vi.restoreAllMocks();
    });

    it('runs the transcripts of the config workspaces, or of the paths given, and sets the exit code', async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      const program = new Command('switchboard');
      registerFlowCommands(program.command('flows'), 'config/switchboard.yaml');
      await program.parseAsync(['flows', 'test'], { from: 'user' });
      expect(log.mock.calls.at(-1)).toEqual([expect.stringMatching(/^\d+ passed, 0 failed$/)]);
      expect(process.exitCode).toBe(0);

      const dir = folder({ 'hello.yaml': flow, 'fail.test.yaml': test('expects a wrong greeting', 'Hi Ada!') });
      await program.parseAsync(['flows', 'test', dir], { from: 'user' });
      expect(log.mock.calls.at(-1)).toEqual(['0 passed, 1 failed']);
      expect(process.exitCode).toBe(1);
    });
  });
});
