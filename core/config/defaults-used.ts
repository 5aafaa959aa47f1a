import type { Position } from './yaml-issues.js';

/** A config value that came (at least partly) from a `${NAME:-default}` whose variable was unset. */
export interface DefaultUsed extends Position {
  file: string;
  /** The value's dotted path, as in config issues (`workspaces.0.apiKeys.0`). */
  path: string;
  /** The unset variables whose defaults it holds. */
  variables: string[];
  /** The value as interpolated, before the schema changed it (an API key is kept as its digest). */
  value: string;
}

/**
 * What the loader learnt while interpolating, kept beside the config it returned rather than in
 * it: the config stays what the schema describes, and a config built in code simply has none.
 */
const byConfig = new WeakMap<object, readonly DefaultUsed[]>();

export function recordDefaultsUsed(config: object, defaults: readonly DefaultUsed[]): void {
  byConfig.set(config, defaults);
}

/** The values of `config` that hold environment defaults, if it came from the loader. */
export function defaultsUsed(config: object): readonly DefaultUsed[] {
  return byConfig.get(config) ?? [];
}
