import { builtinRegistry } from '../adapters/index.js';
import type { Config } from '../core/config/schema.js';
import { flowFiles, loadFlows } from '../flows/load.js';
import { choiceLimits } from '../flows/setup.js';

/**
 * `switchboard flows validate [paths]`: every problem of every flow file as
 * file:line:col (throws ConfigError, exit code 1). Without paths: each
 * workspace's flows in the config, checked against its channels' limits.
 */
export function validateFlows(config: Config, paths: string[]): string {
  const channels = builtinRegistry();
  const targets = paths.length
    ? [{ paths, limits: config.workspaces.flatMap((w) => choiceLimits(w, channels)) }]
    : config.workspaces.filter((w) => w.flows).map((w) => ({ paths: [w.flows!.path], limits: choiceLimits(w, channels) }));
  let count = 0;
  for (const target of targets) count += loadFlows(flowFiles(target.paths), { limits: target.limits }).size;
  return `${count} flow(s) ok`;
}
