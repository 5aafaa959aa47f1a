import type { Command } from 'commander';
import type { z } from 'zod';
import type { ChannelAdapter, ChannelAccount, ChannelCapabilities } from './adapter.js';
import type { ChannelCollections, ChannelCommandContext, ChannelDefinition } from './channel.js';
import type { Config } from './config/schema.js';
import type { LoadOptions } from './config/load.js';
import type { RoutingKey } from './config/routing-keys.js';
import type { OwnForms } from './turn/types.js';

export { defineChannel, type ChannelCollections, type ChannelCommandContext, type ChannelDefinition } from './channel.js';

/** A registered channel: its definition without `create`, and `create` behind the account schema. */
interface Registered {
  definition: Omit<ChannelDefinition, 'create' | 'routingKeys'>;
  build(accounts: ChannelAccount[]): ChannelAdapter;
  routingKeys?: (account: unknown) => readonly RoutingKey[];
}

/**
 * Maps channel ids to their definitions. The core never imports a concrete
 * adapter: the CLI hands it the built-in registry from `adapters/`.
 */
export class AdapterRegistry {
  private readonly channels = new Map<string, Registered>();

  register<S extends z.ZodType>(definition: ChannelDefinition<S>): this {
    const { id, create, routingKeys, ...rest } = definition;
    if (this.channels.has(id)) throw new Error(`channel "${id}" is registered twice`);
    const build = (accounts: ChannelAccount[]): ChannelAdapter =>
      // The config loader already validated each account with this schema; parsing again (the
      // schemas are idempotent) is what gives `create` its typed configs, and refuses an account
      // of a config that was built without the loader.
      create(
        accounts.map((a) => {
          const parsed = definition.accountSchema.safeParse(a.config);
          if (!parsed.success)
            throw new Error(`${id} account "${a.account}" of workspace "${a.workspace.id}" does not match the channel's schema: ${parsed.error.message}`);
          return { ...a, config: parsed.data };
        }),
      );
    // The loader calls it with an account its schema just parsed, so the input has the schema's output type.
    const keys = routingKeys && ((account: unknown) => routingKeys(account as z.output<S>));
    this.channels.set(id, { definition: { id, ...rest }, build, ...(keys ? { routingKeys: keys } : {}) });
    return this;
  }

  /** Registered channel ids, in registration order. */
  ids(): string[] {
    return [...this.channels.keys()];
  }

  /** Channel id → account schema, for the config loader. */
  schemas(): Map<string, z.ZodType> {
    return new Map([...this.channels].map(([id, c]) => [id, c.definition.accountSchema]));
  }

  /** What the config loader needs of the channels: account schemas and routing keys. */
  loadOptions(): Pick<LoadOptions, 'channelSchemas' | 'channelRoutingKeys'> {
    const channelRoutingKeys = new Map<string, (account: unknown) => readonly RoutingKey[]>();
    for (const [id, c] of this.channels) if (c.routingKeys) channelRoutingKeys.set(id, c.routingKeys);
    return { channelSchemas: this.schemas(), channelRoutingKeys };
  }

  capabilities(channel: string): ChannelCapabilities | undefined {
    return this.channels.get(channel)?.definition.capabilities;
  }

  /** The forms the channel's own client shows (the widget's pre-chat and offline forms), if any. */
  ownForms(channel: string): OwnForms | undefined {
    return this.channels.get(channel)?.definition.ownForms;
  }

  /** Every channel's CLI commands, each to be called with the program and the CLI's context. */
  commands(): { channel: string; register: (program: Command, context: ChannelCommandContext) => void }[] {
    return [...this.channels].flatMap(([channel, c]) => (c.definition.commands ? [{ channel, register: c.definition.commands }] : []));
  }

  /** What all channels keep besides the core's stores (models get their indexes at start), with their privacy contracts. */
  collections(): Required<{ [K in keyof ChannelCollections]: NonNullable<ChannelCollections[K]> }> {
    const all = [...this.channels.values()].map((c) => c.definition.collections ?? {});
    return { models: all.flatMap((c) => c.models ?? []), buckets: all.flatMap((c) => c.buckets ?? []), privacy: all.flatMap((c) => c.privacy ?? []) };
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
      const registered = this.channels.get(channel);
      if (!registered) throw new Error(`no adapter is registered for channel "${channel}"`);
      adapters.set(channel, registered.build(accounts));
    }
    return adapters;
  }
}
