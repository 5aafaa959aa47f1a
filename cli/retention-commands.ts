import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { builtinRegistry } from '../adapters/index.js';
import { planRetention, runRetention, type RetentionRow } from '../core/privacy/retention.js';
import { RetentionRun } from '../core/store/retention-run.js';
import { columns, day } from './table.js';
import { withStore } from './with-store.js';

/** `--as-of 2027-03-01` (a date, or a date and time): the policy applied as if it were then. */
function asOfDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new Error(`--as-of: expected a date such as 2027-03-01, not "${value}"`);
  return at;
}

/** One line per workspace, channel and kind, in columns. */
function table(rows: RetentionRow[], countHeading: string): string {
  return columns([
    ['workspace', 'channel', 'kind', 'policy', countHeading, 'oldest'],
    ...rows.map((r) => [
      r.workspace,
      r.channel,
      r.kind,
      `${r.action} after ${r.after}`,
      String(r.count) + (r.busy ? ` (${r.busy} busy, next run)` : ''),
      day(r.oldest),
    ]),
  ]);
}

/** `switchboard retention plan|run|runs`: the retention policy from a terminal. */
export function registerRetentionCommands(program: Command, defaultConfig: string): void {
  const retention = program.command('retention').description("apply the workspaces' retention policy (privacy.retention)");
  retention
    .command('plan')
    .description('a dry run: what is past its policy, per workspace, channel and kind, and the oldest date; changes nothing')
    .option('-c, --config <file>', 'config file', defaultConfig)
    .option('--as-of <date>', 'what would go on that date (default: now)')
    .action(async (opts: { config: string; asOf?: string }) => {
      const asOf = asOfDate(opts.asOf);
      await withStore(opts.config, async (config) => {
        const rows = await planRetention({ config, ...(asOf ? { asOf } : {}) });
        if (!rows.length) return console.log('no workspace has a retention policy (privacy.retention): nothing is ever removed');
        console.log(`as of ${(asOf ?? new Date()).toISOString()}:\n${table(rows, 'would go')}`);
      });
    });
  retention
    .command('run')
    .description('remove (or anonymise) what is past its policy now, with a progress bar; one sweep at a time across processes')
    .option('-c, --config <file>', 'config file', defaultConfig)
    .option('--as-of <date>', 'apply the policy as if it were that date (default: now)')
    .action(async (opts: { config: string; asOf?: string }) => {
      const asOf = asOfDate(opts.asOf);
      await withStore(opts.config, async (config, { redis, queues }) => {
        const total = (await planRetention({ config, ...(asOf ? { asOf } : {}) })).reduce((n, r) => n + r.count, 0);
        const bar = new SingleBar({ format: 'retention {bar} {value}/{total} documents', stream: process.stderr, noTTYOutput: false }, Presets.shades_classic);
        if (process.stderr.isTTY) bar.start(total, 0);
        const result = await runRetention({
          config,
          redis,
          queues,
          trigger: 'cli',
          channelModels: builtinRegistry().collections().models,
          ...(asOf ? { asOf } : {}),
          onProgress: (done) => process.stderr.isTTY && bar.update(Math.min(done, total)),
        });
        if (process.stderr.isTTY) bar.stop();
        console.log(`run ${result.runId}:\n${table(result.rows, 'removed')}`);
        if (result.errors.length) {
          console.error(result.errors.map((e) => `error: ${e}`).join('\n'));
          process.exitCode = 1;
        }
      });
    });
  retention
    .command('runs')
    .description('past sweeps, newest first, with what each removed')
    .option('-c, --config <file>', 'config file', defaultConfig)
    .option('--limit <n>', 'at most this many', '20')
    .action(async (opts: { config: string; limit: string }) => {
      await withStore(opts.config, async () => {
        const runs = await RetentionRun.find({})
          .sort({ startedAt: -1 })
          .limit(Math.max(1, Number(opts.limit) || 20))
          .lean();
        if (!runs.length) return console.log('no retention runs yet');
        for (const run of runs) {
          const removed = run.counts.reduce((n, c) => n + c.count, 0);
          console.log(
            `${run.startedAt.toISOString()}  ${run.status.padEnd(7)} ${run.trigger.padEnd(8)} as of ${day(run.asOf)}  ${removed} document(s)${run.errors.length ? `  ${run.errors.length} error(s): ${run.errors.join('; ')}` : ''}  (${run._id})`,
          );
        }
      });
    });
}
