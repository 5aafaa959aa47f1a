import type { ConfigIssue } from '../errors.js';
import type { Position, YamlFile, YamlPath } from './yaml-issues.js';

/**
 * A value a platform routes webhook events to one account by (Messenger's Page id, a WhatsApp
 * Cloud number's id, a Telegram bot). Two accounts of a channel sharing one would have the later
 * account receive the other's messages, so the config loader refuses it across all workspaces.
 */
export interface RoutingKey {
  /** Where the value is in the account's config, e.g. `['pageId']`. */
  path: YamlPath;
  /** What it is, for the error ("pageId", "bot"). */
  name: string;
  /** The value compared; shown in the error, so never a secret (a bot's id, not its token). */
  value: string;
}

/** Channel id → the routing keys of one of its (parsed) accounts. */
export type ChannelRoutingKeys = ReadonlyMap<string, (account: unknown) => readonly RoutingKey[]>;

interface FirstUse {
  workspace: string;
  account: string;
  at: Position;
}

/** Remembers each routing key's first account while the loader walks the accounts in file order. */
export class RoutingKeyCheck {
  private readonly seen = new Map<string, FirstUse>();

  constructor(private readonly yaml: YamlFile) {}

  /** Issues (at the later account's key) for each of `keys` an earlier account already uses. */
  check(channel: string, use: { workspace: string; account: string; path: YamlPath }, keys: readonly RoutingKey[]): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    for (const key of keys) {
      const id = JSON.stringify([channel, key.name, key.value]);
      const keyPath = [...use.path, ...key.path];
      const first = this.seen.get(id);
      if (!first) {
        this.seen.set(id, { workspace: use.workspace, account: use.account, at: this.yaml.position(keyPath) });
        continue;
      }
      issues.push(
        this.yaml.atPath(
          keyPath,
          `${channel} ${key.name} ${key.value} of account "${use.account}" (workspace "${use.workspace}") is already used by account "${first.account}" ` +
            `(workspace "${first.workspace}", ${this.yaml.file}:${first.at.line}:${first.at.col}); webhook events are routed to one account by it, ` +
            'so one of the two would receive the other’s messages',
        ),
      );
    }
    return issues;
  }
}
