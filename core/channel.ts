import type { Command } from 'commander';
import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ChannelAccount, ChannelAdapter, ChannelCapabilities } from './adapter.js';
import type { Config } from './config/schema.js';
import type { OwnForms } from './turn/types.js';
import type { PrivacyContract } from './privacy/contract.js';
import type { RoutingKey } from './config/routing-keys.js';

/** What a channel's CLI commands get from `switchboard` (cli/main.ts). */
export interface ChannelCommandContext {
  /** The `--config` default (`SWITCHBOARD_CONFIG` or `config/switchboard.yaml`). */
  defaultConfig: string;
  /** Loads and validates a config file with every registered channel's account schema. */
  loadConfig(file: string): Config;
  /** MongoDB and Redis for a command that needs them (the embedded FerretDB when none is configured); `stop` when done. */
  services(config: Config, logger: Logger): Promise<{ mongoUri: string; redisUrl: string; stop(): Promise<void> }>;
}

/**
 * What a channel keeps besides the core's stores: its mongoose models (their indexes are created
 * at start, with the core's), its GridFS buckets, and the privacy contracts of these and of its
 * Redis keys, so privacy work can enumerate every place a person's data may be.
 */
export interface ChannelCollections {
  // Any model: the registry only creates indexes and lists them, whatever their documents.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  models?: readonly Model<any>[];
  /** GridFS bucket names (`<name>.files`, `<name>.chunks`). */
  buckets?: readonly string[];
  /** The privacy contract of each of these models and buckets, and of every Redis key the channel writes (core/privacy/contract.ts). */
  privacy?: readonly PrivacyContract[];
}

/**
 * A channel, as its folder under adapters/ exports it: one value holding everything the hub,
 * the config loader, flow checks and the CLI need of it. Made with {@link defineChannel}.
 */
export interface ChannelDefinition<S extends z.ZodType = z.ZodType> {
  /** The channel id used in configs, addresses and webhook URLs. */
  readonly id: string;
  /** Schema of one account of this channel in the config (extends `channelAccountSchema`). */
  readonly accountSchema: S;
  /** What the channel can show; the same as its adapters' (flow checks read it without building one). */
  readonly capabilities: ChannelCapabilities;
  /** Builds the channel's adapter from all of its accounts in the config, each validated by `accountSchema`. */
  readonly create: (accounts: ChannelAccount<z.output<S>>[]) => ChannelAdapter;
  /** Adds the channel's own commands (`switchboard <channel> …`) to the CLI. */
  readonly commands?: (program: Command, context: ChannelCommandContext) => void;
  readonly collections?: ChannelCollections;
  /** Forms the channel's own client shows (not a flow's), by form id. */
  readonly ownForms?: OwnForms;
  /**
   * The values the platform routes webhook events to an account by (Messenger's Page id), which
   * the config loader keeps unique per channel across workspaces (core/config/routing-keys.ts).
   */
  readonly routingKeys?: (account: z.output<S>) => readonly RoutingKey[];
}

/**
 * Declares a channel. Generic over the account schema, so `create` receives accounts whose
 * `config` has the schema's output type (no casts in adapters).
 */
export function defineChannel<S extends z.ZodType>(definition: ChannelDefinition<S>): ChannelDefinition<S> {
  return definition;
}
