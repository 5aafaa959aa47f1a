import type { z } from 'zod';
import type { AdapterFactory, ChannelAdapter, ChannelAccount, ChannelCapabilities } from './adapter.js';
import type { Config } from './config/schema.js';

/** What the core needs to know of a channel: how to validate its accounts and build its adapter. */
export interface ChannelDefinition {
  /** Schema of one account of this channel in the config (extends `channelAccountSchema`). */
  schema: z.ZodType;
  create: AdapterFactory;
  /** What the channel can show; the same as its adapters' (flow checks read it without building one). */
  capabilities: ChannelCapabilities;
}

/**
 * Maps channel ids to their definitions. The core never imports a concrete
 * adapter: the CLI hands it the built-in registry from `adapters/`.
 */
export class AdapterRegistry {
  private readonly channels = new Map<string, ChannelDefinition>();

  register(channel: string, definition: ChannelDefinition): this {
    if (this.channels.has(channel)) throw new Error(`channel "${channel}" is registered twice`);
    this.channels.set(channel, definition);
    return this;
  }

  /** Channel id → account schema, for the config loader. */
  schemas(): Map<string, z.ZodType> {
    return new Map([...this.channels].map(([id, def]) => [id, def.schema]));
  }

  capabilities(channel: string): ChannelCapabilities | undefined {
    return this.channels.get(channel)?.capabilities;
  }

  /** One adapter per channel that has at least one account in the config. */
  build(config: Config): Map<string, ChannelAdapter> {
    const byChannel = new Map<string, ChannelAccount[]>();
    for (const workspace of config.workspaces) {
      for (const [channel, accounts] of Object.entries(workspace.channels)) {
        for (const account of accounts) {
          const list = byChannel.get(channel) ?? [];
          list.push({ workspace, account: account.account, config: account });
          byChannel.set(channel, list);
        }
      }
    }
    const adapters = new Map<string, ChannelAdapter>();
    for (const [channel, accounts] of byChannel) {
      const definition = this.channels.get(channel);
      if (!definition) throw new Error(`no adapter is registered for channel "${channel}"`);
      adapters.set(channel, definition.create(accounts));
    }
    return adapters;
  }
}
