import type { Logger } from 'pino';
import type { Config } from '../core/config/schema.js';
import type { AdapterRegistry } from '../core/registry.js';
import { AutoReplyResponder, type Responder } from '../core/responder.js';
import type { ChoiceLimits } from './load.js';
import { FlowRegistry } from './registry.js';
import { FlowResponder } from './responder.js';

/** The choice limits of the channels a workspace uses, for the flow checks. */
export function choiceLimits(workspace: Config['workspaces'][number], channels: AdapterRegistry): ChoiceLimits[] {
  return Object.keys(workspace.channels).flatMap((channel) => {
    const c = channels.capabilities(channel);
    return c ? [{ channel, maxChoices: c.maxChoices, maxChoiceLabelLength: c.maxChoiceLabelLength }] : [];
  });
}

/**
 * Loads every workspace's flows (throwing ConfigError with file:line:col when
 * they are invalid) and returns the responder that runs them; with `watch`,
 * changed files are reloaded without a restart.
 */
export function createFlowResponder(options: { config: Config; channels: AdapterRegistry; logger?: Logger; watch?: boolean }): {
  responder: Responder;
  registries: Map<string, FlowRegistry>;
} {
  const registries = new Map<string, FlowRegistry>();
  for (const workspace of options.config.workspaces) {
    if (!workspace.flows) continue;
    const registry = new FlowRegistry({
      ...workspace.flows,
      workspace: workspace.id,
      persist: true,
      limits: choiceLimits(workspace, options.channels),
      logger: options.logger?.child({ workspace: workspace.id }),
    });
    registry.load();
    if (options.watch) registry.watch();
    registries.set(workspace.id, registry);
  }
  const showsForms = (channel: string) => options.channels.capabilities(channel)?.forms === true;
  return {
    responder: new FlowResponder({ registries, fallback: new AutoReplyResponder(), ...(options.logger ? { logger: options.logger } : {}), showsForms }),
    registries,
  };
}
