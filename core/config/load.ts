import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { visit } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { configSchema, type Config } from './schema.js';
import { interpolate } from './interpolate.js';
import { RoutingKeyCheck, type ChannelRoutingKeys } from './routing-keys.js';
import { byPosition, parseYamlFile, pathOfVisited } from './yaml-issues.js';
import { recordDefaultsUsed, type DefaultUsed } from './defaults-used.js';

/** Channel id → the zod schema of one account of that channel (from the adapter registry). */
type ChannelSchemas = ReadonlyMap<string, z.ZodType>;

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Each channel's account schema; accounts of channels not listed here are an error. */
  channelSchemas: ChannelSchemas;
  /** Each channel's routing keys (Messenger's Page id): two accounts sharing one are an error. */
  channelRoutingKeys?: ChannelRoutingKeys;
}

/** Reads, interpolates and validates a config file; throws {@link ConfigError} listing every problem. */
export function loadConfig(file: string, options: LoadOptions): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 1, col: 1, path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  return parseConfig(text, file, options);
}

export function parseConfig(text: string, file: string, options: LoadOptions): Config {
  const env = options.env ?? process.env;
  const yaml = parseYamlFile(text, file);
  const { doc, at, atPath } = yaml;
  const issues: ConfigIssue[] = [...yaml.errors];
  if (issues.length) throw new ConfigError(issues);

  const defaults: DefaultUsed[] = [];
  visit(doc, {
    Scalar(_key, node, ancestors) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const { value, missing, defaulted } = interpolate(node.value, env);
      const path = defaulted.length ? pathOfVisited(ancestors, node) : undefined;
      if (path) defaults.push({ file, ...yaml.position(path), path: path.join('.'), variables: defaulted, value });
      for (const name of missing) {
        issues.push(at(node.range?.[0] ?? 0, [], `environment variable ${name} is not set (use \${${name}:-default} for a default)`));
      }
      node.value = value;
    },
  });
  if (issues.length) throw new ConfigError(issues);

  const parsed = configSchema.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(byPosition(yaml.zodIssues(parsed.error.issues)));
  }
  const config = parsed.data;
  for (const ws of config.workspaces) if (ws.flows) ws.flows.path = resolve(dirname(file), ws.flows.path);

  // Cross-field checks the schema cannot express, and each channel's own account schema.
  const seenWorkspaces = new Map<string, number>();
  const seenAccounts = new Map<string, string>();
  const routes = new RoutingKeyCheck(yaml);
  config.workspaces.forEach((ws, w) => {
    const wsPath = ['workspaces', w];
    if (seenWorkspaces.has(ws.id)) {
      issues.push(atPath([...wsPath, 'id'], `workspace id "${ws.id}" is already used by workspaces.${seenWorkspaces.get(ws.id)}`));
    }
    seenWorkspaces.set(ws.id, w);
    for (const [channel, accounts] of Object.entries(ws.channels)) {
      const schema = options.channelSchemas.get(channel);
      const chPath = [...wsPath, 'channels', channel];
      if (!schema) {
        issues.push(atPath(chPath, `unknown channel "${channel}"; expected one of: ${[...options.channelSchemas.keys()].join(', ')}`, true));
        continue;
      }
      accounts.forEach((account, a) => {
        const accPath = [...chPath, a];
        // Account ids are global per channel because webhook URLs carry no workspace.
        const owner = seenAccounts.get(`${channel}/${account.account}`);
        if (owner !== undefined) {
          issues.push(
            atPath(
              [...accPath, 'account'],
              `${channel} account "${account.account}" is already declared in workspace "${owner}"; account ids must be unique per channel across workspaces`,
            ),
          );
        }
        seenAccounts.set(`${channel}/${account.account}`, ws.id);
        const result = schema.safeParse(account, { reportInput: true });
        if (result.success) {
          ws.channels[channel]![a] = result.data as typeof account;
          const keys = options.channelRoutingKeys?.get(channel)?.(result.data) ?? [];
          issues.push(...routes.check(channel, { workspace: ws.id, account: account.account, path: accPath }, keys));
        } else {
          issues.push(...yaml.zodIssues(result.error.issues, accPath));
        }
      });
    }
  });
  issues.push(...duplicateKeys(config, atPath));
  if (issues.length) throw new ConfigError(byPosition(issues));
  recordDefaultsUsed(config, defaults);
  return config;
}

/**
 * An API key (compared by digest, so a key and its `sha256` are the same key) may appear once:
 * in two workspaces the hub could not tell whose data it opens.
 */
function duplicateKeys(config: Config, atPath: (path: (string | number)[], message: string) => ConfigIssue): ConfigIssue[] {
  const seen = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  config.workspaces.forEach((ws, w) =>
    ws.apiKeys.forEach((key, k) => {
      const first = seen.get(key.sha256);
      if (first !== undefined)
        issues.push(atPath(['workspaces', w, 'apiKeys', k], `this API key is already a key of ${first}; each key may open one workspace only`));
      else seen.set(key.sha256, `workspace "${ws.id}" (apiKeys.${k})`);
    }),
  );
  return issues;
}
