/**
 * Scenarios whose fault and checks already live in the vitest suite (scenarios 7, 8, 10, 11 and
 * 12 of issue #14): the runner runs those files in a vitest process of their own, the scenario
 * passes when every test in them passes, and the figures come from what the tests handed to
 * `reportRow` (test/helpers/reliability-row.ts). `npm test` runs the same files at CI sizes, so
 * CI's suite skips them (`--skip-tests`) rather than run them twice.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logDir, track, type Row, type RunOptions, type Scenario } from '../harness.js';
import type { RowFigures } from '../../test/helpers/reliability-row.js';

interface FromTests {
  name: string;
  /** The vitest files (and an optional test-name filter). */
  files: string[];
  filter?: string;
  /** Environment for the full sizes (the files' defaults are CI's). */
  full?: Record<string, string>;
  criteria: string;
}

async function runVitest(
  scenario: FromTests,
  options: RunOptions,
): Promise<{ code: number | null; rows: Map<string, RowFigures>; log: string; output: string }> {
  const rowsDir = mkdtempSync(join(tmpdir(), 'switchboard-rows-'));
  const log = join(logDir, `${scenario.name}-vitest.log`);
  const args = ['vitest', 'run', ...scenario.files, ...(scenario.filter ? ['-t', scenario.filter] : [])];
  const child = track(
    spawn('npx', args, {
      env: { ...process.env, RELIABILITY_ROWS: rowsDir, ...(options.short ? {} : scenario.full) },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  writeFileSync(log, output);
  const rows = new Map<string, RowFigures>();
  for (const file of readdirSync(rowsDir)) rows.set(file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(rowsDir, file), 'utf8')) as RowFigures);
  rmSync(rowsDir, { recursive: true, force: true });
  return { code, rows, log, output };
}

function fromTests(scenario: FromTests): Scenario {
  return {
    name: scenario.name,
    async run(options): Promise<Row> {
      const { code, rows, log, output } = await runVitest(scenario, options);
      const figures = [...rows.values()];
      const sum = (pick: (f: RowFigures) => number | undefined) => figures.reduce((n, f) => n + (pick(f) ?? 0), 0);
      // eslint-disable-next-line no-control-regex -- vitest colours its summary
      const summary = /Tests\s+(.*)$/m.exec(output.replace(/\u001b\[[0-9;]*m/g, ''))?.[1]?.trim();
      return {
        scenario: scenario.name,
        messages: sum((f) => f.messages),
        lost: sum((f) => f.lost),
        duplicated: sum((f) => f.duplicated),
        resent: sum((f) => f.resent),
        http5xx: sum((f) => f.http5xx),
        maxAckMs: Math.max(0, ...figures.map((f) => f.maxAckMs ?? 0)),
        recoveryMs: null,
        pass: code === 0,
        criteria: scenario.criteria,
        notes: [`vitest ${scenario.files.join(' ')}: ${summary ?? `exit ${code}`} (output in ${log})`, ...figures.flatMap((f) => f.notes ?? [])],
      };
    },
  };
}

export const widgetAbuse = fromTests({
  name: 'widget-abuse',
  files: ['test/widget/security.test.ts', 'test/widget/abuse-limits.test.ts'],
  criteria:
    'a foreign Origin is refused before a socket exists, a 100 KB frame closes the socket with nothing stored, a flood is cut off, 1,000 sockets from one address: 20 chat and 980 get 429, another address unaffected',
});

export const platform429 = fromTests({
  name: 'platform-429',
  files: ['api', 'telegram', 'messenger', 'whatsapp-cloud', 'botframework'].map((c) => `test/adapters/${c}/conformance.test.ts`),
  filter: 'waits out a 429',
  criteria:
    "each channel's platform (the api channel's webhook too) answers a send 429 with a retry-after of 1 s: the reply goes once, not before the second has passed (the conformance suite); telegram-429 above covers many chats at once",
});

export const xssPayloads = fromTests({
  name: 'xss-payloads',
  files: ['test/widget/browser.test.ts', 'test/console/browser.test.ts'],
  criteria: 'in Chromium, the XSS payload set as names, messages, choices and notes runs no script in the widget or the console',
});

export const erasureTraces = fromTests({
  name: 'erasure-traces',
  files: ['test/privacy/erasure.test.ts'],
  criteria: 'after erasure the privacy scanner finds none of the person in MongoDB, Redis (jobs, timers) or the logs; the CRM is told',
});

export const handoffRace = fromTests({
  name: 'handoff-race',
  files: ['test/agents/takeover-race.test.ts'],
  criteria: '100 takeovers racing the bot: no bot reply reaches a contact after their takeover, nothing left queued',
});

export const webhookFuzz = fromTests({
  name: 'webhook-fuzz',
  files: ['test/reliability/webhook-fuzz.test.ts'],
  full: { FUZZ_CASES: '10000' },
  criteria:
    'fuzzed bodies (fast-check; short 1,000 per channel, full 10,000) for api, Telegram, Messenger, WhatsApp Cloud, Bot Framework: no 5xx, every refusal a 4xx with a log line, the hub still answers',
});
