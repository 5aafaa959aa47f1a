import type { Command } from 'commander';
import { rebuildInbox } from '../core/agents/inbox-rebuild.js';
import { pickWorkspace, withStore } from './with-store.js';

/** `switchboard inbox rebuild`: the console's inbox index (Redis) rebuilt from MongoDB. */
export function registerInboxCommands(program: Command, defaultConfig: string): void {
  program
    .command('inbox')
    .description("the agent console's inbox index in Redis")
    .command('rebuild')
    .description(
      'rebuild the inbox index from MongoDB (after an upgrade to a version with the console, or a Redis that lost its data); safe while the hub runs',
    )
    .option('-c, --config <file>', 'config file', defaultConfig)
    .option('-w, --workspace <id>', 'only this workspace (default: every one)')
    .action(async (opts: { config: string; workspace?: string }) => {
      await withStore(opts.config, async (config, { redis, queues }) => {
        const workspaces = opts.workspace ? [pickWorkspace(config, opts.workspace)] : config.workspaces.map((w) => w.id);
        for (const workspace of workspaces) {
          const { indexed, removed } = await rebuildInbox({ redis, queues, workspace });
          console.log(`${workspace}: ${indexed} conversation(s) indexed${removed ? `, ${removed} gone taken out` : ''}`);
        }
      });
    });
}
