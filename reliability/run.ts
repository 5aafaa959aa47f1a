/**
 * `npm run reliability` (full sizes) and `npm run reliability -- --short` (CI sizes): runs each
 * scenario, prints one table row per scenario, writes the table to bench/results/reliability-<date>.md,
 * exits 1 if any scenario failed. `--only name,name` runs some of them; `--skip-tests` leaves out those
 * run as vitest files (CI runs them in `npm test`). See the README's "Reliability" section.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printRows } from '../bench/report.js';
import { killAll, logDir, stopSharedServices, type Row, type Scenario } from './harness.js';
import { duplicateWebhooks } from './scenarios/duplicate-webhooks.js';
import { workerKill } from './scenarios/worker-kill.js';
import { redisCrash, redisHang } from './scenarios/redis-outage.js';
import { mongoOutage } from './scenarios/mongo-outage.js';
import { overload, workspaceIsolation } from './scenarios/overload.js';
import { soak } from './scenarios/soak.js';
import { erasureTraces, handoffRace, platform429, webhookFuzz, widgetAbuse, xssPayloads } from './scenarios/from-tests.js';
import { telegramRetryAfter } from './scenarios/telegram-retry-after.js';

/** The suite, in order. A scenario is a module exporting `{ name, run }`; adding one is one line here. */
/** In the order (#14): 1 worker kills, 2 duplicates, 3 overload and isolation, 4 Redis, 5 MongoDB, 6 429s, 7 widget, 8 XSS, 9 soak, 10 erasure, 11 handoff race, 12 fuzzing. */
const scenarios: Scenario[] = [
  workerKill,
  duplicateWebhooks,
  overload,
  workspaceIsolation,
  redisCrash,
  redisHang,
  mongoOutage,
  telegramRetryAfter,
  platform429,
  widgetAbuse,
  xssPayloads,
  soak,
  erasureTraces,
  handoffRace,
  webhookFuzz,
];
/** Run as vitest files (scenarios/from-tests.ts): `--skip-tests` leaves them out where `npm test` just ran them (CI). */
const vitestBacked = new Set<Scenario>([platform429, widgetAbuse, xssPayloads, erasureTraces, handoffRace, webhookFuzz]);

const args = process.argv.slice(2);
const short = args.includes('--short');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1]?.split(',')) : undefined;
const skipTests = args.includes('--skip-tests');
const selected = (only ? scenarios.filter((s) => only.has(s.name)) : scenarios).filter((s) => !(skipTests && vitestBacked.has(s)));
if (only && scenarios.filter((s) => only.has(s.name)).length !== only.size) {
  console.error(`unknown scenario in --only; known: ${scenarios.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const headers = ['scenario', 'messages', 'lost', 'duplicated', 'resent', '5xx', 'max ack ms', 'recovery ms', 'verdict'];
const cells = (r: Row) => [
  r.scenario,
  String(r.messages),
  String(r.lost),
  String(r.duplicated),
  String(r.resent),
  String(r.http5xx),
  r.maxAckMs.toFixed(0),
  r.recoveryMs === null ? '-' : r.recoveryMs.toFixed(0),
  verdict(r),
];

/** `FAIL`: something lost, duplicated or wrongly refused; `slow`: correct, but a speed target missed. */
const verdict = (r: Row) => (!r.pass ? 'FAIL' : r.fast === false ? 'slow' : 'pass');
/** The short (CI) run judges correctness only; the full run speed too. */
const failed = (r: Row) => !r.pass || (!short && r.fast === false);

const rows: Row[] = [];
const started = Date.now();
console.error(`reliability suite (${short ? 'short' : 'full'}): ${selected.map((s) => s.name).join(', ')}; logs in ${logDir}`);
try {
  for (const scenario of selected) {
    const t0 = Date.now();
    console.error(`\n== ${scenario.name}`);
    let row: Row;
    try {
      row = await scenario.run({ short });
    } catch (err) {
      // A scenario that could not finish is a failed row, not the end of the suite.
      row = {
        scenario: scenario.name,
        messages: 0,
        lost: 0,
        duplicated: 0,
        resent: 0,
        http5xx: 0,
        maxAckMs: 0,
        recoveryMs: null,
        pass: false,
        criteria: 'finishes',
        notes: [`error: ${(err as Error).stack ?? String(err)}`],
      };
    }
    rows.push(row);
    console.error(`${scenario.name}: ${verdict(row)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    printRows([headers, cells(row)]);
  }
} finally {
  await stopSharedServices().catch((err: unknown) => console.error(`stopping the suite's servers: ${(err as Error).message}`));
  killAll();
}

const seconds = ((Date.now() - started) / 1000).toFixed(0);
console.log(`\nreliability (${short ? 'short' : 'full'}), ${seconds} s:\n`);
printRows([headers, ...rows.map(cells)]);
console.log('');
for (const r of rows) {
  console.log(`${r.scenario}: ${r.criteria}`);
  for (const note of r.notes) console.log(`  ${note}`);
}

const date = new Date().toISOString();
const markdown = [
  `# Reliability, ${date} (${short ? 'short' : 'full'}, ${seconds} s)`,
  '',
  `| ${headers.join(' | ')} |`,
  `|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ...rows.map((r) => `| ${cells(r).join(' | ')} |`),
  '',
  ...rows.flatMap((r) => [`- **${r.scenario}**: ${r.criteria}`, ...r.notes.map((n) => `  - ${n.split('\n')[0]}`)]),
  '',
].join('\n');
const dir = join(dirname(fileURLToPath(import.meta.url)), '../bench/results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `reliability-${date.replace(/[:.]/g, '-')}.md`);
writeFileSync(file, markdown);
console.log(`\nwritten to ${file}`);
process.exit(rows.some(failed) ? 1 : 0);
