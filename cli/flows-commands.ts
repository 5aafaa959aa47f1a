import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { builtinRegistry } from '../adapters/index.js';
import type { ChannelCapabilities } from '../core/adapter.js';
import { loadConfig } from '../core/config/load.js';
import type { Config } from '../core/config/schema.js';
import { ConfigError } from '../core/errors.js';
import type { Choice } from '../core/message.js';
import { renderForChannel } from '../core/render.js';
import { startFlow, step, type FlowAction, type HttpRequest, type HttpResult, type StepContext, type StepResult } from '../flows/engine.js';
import { performHttp } from '../flows/http.js';
import { flowFiles, loadFlows } from '../flows/load.js';
import type { Flow } from '../flows/schema.js';
import { loadTranscripts, runTranscript, transcriptFiles, type Transcript } from '../flows/transcript.js';

/**
 * Adds `test` and `try` to the CLI's `flows` command. `defaultConfig` is the
 * config file used when `--config` is not given.
 */
export function registerFlowCommands(flows: Command, defaultConfig: string): void {
  const testCommand = flows
    .command('test')
    .description('run the golden transcripts (*.test.yaml) beside the flows; exit code 1 on any failure')
    .argument('[paths...]', "flow folders or transcript files (default: each workspace's flows in the config)")
    .option('-c, --config <file>', 'config file', defaultConfig)
    .action((paths: string[], opts: { config: string }) => {
      const targets = paths.length
        ? paths
        : usage(testCommand, () => workspaceFlowPaths(loadConfig(opts.config, builtinRegistry().loadOptions()), opts.config));
      process.exitCode = testFlows(targets);
    });

  const tryCommand = flows
    .command('try')
    .description('chat with a flow in the terminal, shown as a channel would show it (/quit to leave)')
    .argument('<flow>', 'flow id')
    .option('-c, --config <file>', 'config file', defaultConfig)
    .option('--channel <name>', 'channel whose rendering to show', 'api')
    .option('--locale <code>', "the contact's language, e.g. cs")
    .option('--name <name>', "the contact's name")
    .action(async (flow: string, opts: { config: string; channel: string; locale?: string; name?: string }) => {
      const config = loadConfig(opts.config, builtinRegistry().loadOptions());
      const session = usage(tryCommand, () => prepareTry(config, flow, opts));
      // Piped input is not echoed by a terminal, so the transcript echoes it instead of prompting.
      const tty = Boolean(process.stdin.isTTY);
      const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you> ', terminal: tty });
      try {
        await chat(session, rl, (line) => console.log(line), tty ? { prompt: () => rl.prompt() } : { echo: true });
      } finally {
        rl.close();
      }
    });
}

/** Runs `fn`, turning a {@link UsageError} into commander's own error output (message, exit code 1). */
function usage<T>(command: Command, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UsageError) command.error(`error: ${err.message}`);
    throw err;
  }
}

/** Where `flows test` writes: results to `out`, problems with the files themselves to `err`. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = { out: (line) => console.log(line), err: (line) => console.error(line) };

/**
 * `flows test`: runs each transcript against the flows of its folder and prints
 * `✓ name`, or `✗ name` with a `file:line:col: message` line per failure, then
 * `N passed, M failed`. A path is a flows folder or a `*.test.yaml` file (run
 * with its folder's flows); a flow file stands for its folder. Channel limits
 * are left to `flows validate`. Returns the exit code: 1 when a test failed or
 * a flow or transcript file is invalid (its problems go to `err`).
 */
export function testFlows(paths: readonly string[], output: Output = consoleOutput): number {
  let passed = 0;
  let failed = 0;
  let invalid = false;
  /** Runs `load`, reporting a ConfigError instead of stopping, so the other folders and files still run. */
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      output.err(err.message);
      invalid = true;
      return undefined;
    }
  };
  for (const { folder, tests } of suites(paths, attempt)) {
    const flows = attempt(() => loadFlows(flowFiles([folder])));
    if (!flows) continue;
    for (const file of tests) {
      const transcripts: Transcript[] = attempt(() => loadTranscripts([file])) ?? [];
      for (const result of transcripts.flatMap((t) => runTranscript(t, flows))) {
        output.out(`${result.passed ? '✓' : '✗'} ${result.name}`);
        for (const f of result.failures) output.out(`  ${result.file}:${f.line}:${f.col}: ${f.message}`);
        if (result.passed) passed++;
        else failed++;
      }
    }
  }
  output.out(`${passed} passed, ${failed} failed`);
  return failed || invalid ? 1 : 0;
}

/** The paths grouped by flows folder, each with its transcript files. */
function suites(paths: readonly string[], attempt: <T>(load: () => T) => T | undefined): { folder: string; tests: string[] }[] {
  const byFolder = new Map<string, { folder: string; tests: string[] }>();
  for (const path of paths) {
    const folder = attempt(() => {
      try {
        return statSync(path).isDirectory() ? path : dirname(path);
      } catch (err) {
        throw new ConfigError([{ file: path, line: 1, col: 1, path: '', message: `cannot read: ${(err as Error).message}` }]);
      }
    });
    if (folder === undefined) continue;
    const suite = byFolder.get(resolve(folder)) ?? { folder, tests: [] };
    const tests = path.endsWith('.test.yaml') ? [path] : transcriptFiles([folder]);
    suite.tests.push(...tests.filter((t) => !suite.tests.some((s) => resolve(s) === resolve(t))));
    byFolder.set(resolve(folder), suite);
  }
  return [...byFolder.values()];
}

/** Each workspace's flows path (absolute, as the config loader resolves them). */
function workspaceFlowPaths(config: Config, file: string): string[] {
  const paths = config.workspaces.flatMap((w) => (w.flows ? [w.flows.path] : []));
  if (!paths.length) throw new UsageError(`no workspace in ${file} has flows; give flow folders instead`);
  return paths;
}

/** A mistake on the command line (unknown flow or channel), said without a stack trace. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Everything a `flows try` conversation needs. */
export interface TrySession {
  flow: Flow;
  /** All flows of the workspace, for `goto` into another flow. */
  flows: ReadonlyMap<string, Flow>;
  channel: string;
  capabilities: ChannelCapabilities;
  contact: { name?: string; locale?: string };
  /** Performs an `http` node's request; the real {@link performHttp} unless given. */
  http?: (request: HttpRequest) => Promise<HttpResult>;
}

/**
 * Finds `flowId` in the first workspace of `config` that has it and the
 * channel's capabilities; throws {@link UsageError} naming what exists when
 * either is unknown, and ConfigError when the flows are invalid.
 */
export function prepareTry(config: Config, flowId: string, options: { channel?: string; locale?: string; name?: string } = {}): TrySession {
  const registry = builtinRegistry();
  const channel = options.channel ?? 'api';
  const capabilities = registry.capabilities(channel);
  if (!capabilities) throw new UsageError(`unknown channel "${channel}"; known channels: ${[...registry.schemas().keys()].join(', ')}`);
  const known: string[] = [];
  for (const workspace of config.workspaces) {
    if (!workspace.flows) continue;
    const flows = loadFlows(flowFiles([workspace.flows.path]));
    const flow = flows.get(flowId);
    if (flow) {
      const contact = { ...(options.name ? { name: options.name } : {}), ...(options.locale ? { locale: options.locale } : {}) };
      return { flow, flows, channel, capabilities, contact };
    }
    known.push(...flows.keys());
  }
  throw new UsageError(`no workspace has a flow "${flowId}"; flows: ${known.join(', ') || 'none'}`);
}

/** More `http` calls than this in one turn stops the turn, as the hub does (a flow looping over an API). */
const maxHttpPerTurn = 5;
const indent = '     ';

/**
 * The `flows try` conversation: bot replies rendered as `session.channel`
 * shows them (buttons as `[1] Label  [2] …`, otherwise the numbered text),
 * `http` requests performed and their results fed back, leads and handoffs
 * noted in parentheses. Reads lines from `input` until `/quit` or its end.
 * Where buttons are shown, a typed number presses that button, as a tap would.
 * `prompt` is called before each line is read; `echo` writes each line read
 * (for input that no terminal echoes).
 */
export async function chat(
  session: TrySession,
  input: AsyncIterable<string>,
  write: (line: string) => void,
  options: { prompt?: () => void; echo?: boolean } = {},
): Promise<void> {
  const ctx: StepContext = { contact: session.contact, channel: session.channel, flows: session.flows };
  const http = session.http ?? ((request: HttpRequest) => performHttp(request));
  // Taken before anything is awaited, so lines arriving meanwhile are kept.
  const lines = input[Symbol.asyncIterator]();
  let buttons: Choice[] = [];
  const flowOf = (result: StepResult) => session.flows.get(result.state.flow) ?? session.flow;

  /** Shows a step's actions, performing its http request (and the ones after) on the way. */
  const settle = async (first: StepResult): Promise<StepResult> => {
    let result = first;
    let shown = 0;
    for (let calls = 0; ; calls++) {
      for (const action of result.actions) {
        if (action.type === 'http') continue; // performed below
        shown++;
        if (action.type !== 'reply') {
          write(`${indent}(${note(action)})`);
          continue;
        }
        const reply = renderForChannel(action, session.capabilities);
        buttons = reply.choices ?? [];
        // Later lines line up under the first; blank ones stay blank.
        write(
          reply.text
            .split('\n')
            .map((line, i) => (i === 0 ? `bot> ${line}` : line && indent + line))
            .join('\n'),
        );
        if (buttons.length) write(indent + buttons.map((c, i) => `[${i + 1}] ${c.label}`).join('  '));
      }
      const request = result.actions.find((a): a is Extract<FlowAction, { type: 'http' }> => a.type === 'http')?.request;
      if (!request || calls >= maxHttpPerTurn) break;
      const outcome = await http(request);
      write(`${indent}(${request.method} ${request.url} → ${outcome.ok ? 'ok' : outcome.error})`);
      result = step(flowOf(result), result.state, { type: 'http-result', ...outcome }, ctx);
    }
    if (!shown) write(`${indent}(no reply)`);
    return result;
  };

  let result = await settle(startFlow(session.flow, ctx));
  for (;;) {
    options.prompt?.();
    const next = await lines.next();
    if (next.done) break;
    const text = next.value.trim();
    if (options.echo) write(`you> ${text}`);
    if (text === '/quit') break;
    if (!text) continue;
    const pressed = /^[0-9]+$/.test(text) ? buttons[Number(text) - 1] : undefined;
    result = await settle(step(flowOf(result), result.state, pressed ? { type: 'choice', choiceId: pressed.id } : { type: 'text', text }, ctx));
  }
  await lines.return?.();
}

/** What a lead, handoff or opt-out did, for the terminal. */
function note(action: Exclude<FlowAction, { type: 'reply' | 'http' }>): string {
  if (action.type === 'handoff') return `handed off${action.team ? ` to ${action.team}` : ''}`;
  if (action.type === 'opt-out') return 'opted out of marketing';
  const { type: _type, ...lead } = action;
  return `lead captured: ${JSON.stringify(lead)}`;
}
