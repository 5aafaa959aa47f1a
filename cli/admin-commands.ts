import type { Command } from 'commander';
import { close, handBack } from '../core/conversations.js';
import { cliActor } from './actor.js';
import { leadsToCsv, listLeads } from '../core/leads.js';
import { pickWorkspace, withStore } from './with-store.js';

/** `leads list` and `conversations handback|close`: the admin API's actions from a terminal. */
export function registerAdminCommands(program: Command, defaultConfig: string): void {
  program
    .command('leads')
    .description('captured leads')
    .command('list')
    .description("list a workspace's leads, newest first, as CSV (default) or JSON")
    .option('-c, --config <file>', 'config file', defaultConfig)
    .option('-w, --workspace <id>', 'workspace (default: the only one)')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--limit <n>', 'at most this many', '1000')
    .action(async (opts: { config: string; workspace?: string; format: string; limit: string }) => {
      if (!['csv', 'json'].includes(opts.format)) throw new Error(`--format must be csv or json, not "${opts.format}"`);
      await withStore(opts.config, async (config) => {
        const leads = await listLeads(pickWorkspace(config, opts.workspace), { limit: Math.max(1, Number(opts.limit) || 1000) });
        process.stdout.write(opts.format === 'csv' ? leadsToCsv(leads) : `${JSON.stringify(leads, null, 2)}\n`);
      });
    });

  const conversations = program.command('conversations').description('hand conversations back to the bot or close them');
  for (const [name, run, description] of [
    ['handback', handBack, 'give a handed-off conversation back to the bot'],
    ['close', close, 'close a conversation'],
  ] as const) {
    conversations
      .command(name)
      .description(description)
      .argument('<id>', 'conversation id')
      .option('-c, --config <file>', 'config file', defaultConfig)
      .option('-w, --workspace <id>', 'workspace (default: the only one)')
      .action(async (id: string, opts: { config: string; workspace?: string }) => {
        await withStore(opts.config, async (config, { queues }) => {
          // Through the queues: it waits for a running turn, marks the turns' snapshot stale, and updates the inbox.
          await run({ workspace: pickWorkspace(config, opts.workspace), id, queues, actor: cliActor() });
          console.log(`conversation ${id}: ${name === 'close' ? 'closed' : 'back with the bot'}`);
        });
      });
  }
}
