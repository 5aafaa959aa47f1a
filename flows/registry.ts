import { statSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from '../core/errors.js';
import { flowFiles, loadFlows, type ChoiceLimits } from './load.js';
import type { Flow } from './schema.js';

/**
 * One workspace's flows: the current version of each, and every version loaded
 * since start, so a running conversation finishes on the version it began with.
 * Changed files are picked up without a restart; an invalid change is refused
 * with a log line and the previous version keeps running.
 */
export class FlowRegistry {
  current = new Map<string, Flow>();
  private readonly versions = new Map<string, Flow>();
  private stamp = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: { path: string; start: string; limits?: readonly ChoiceLimits[]; logger?: Logger },
  ) {}

  /** Loads the files; throws {@link ConfigError} (file:line:col) when they are invalid. */
  load(): void {
    const files = flowFiles([this.options.path]);
    const stamp = this.stampOf(files);
    const flows = loadFlows(files, { limits: this.options.limits });
    if (!flows.has(this.options.start)) {
      throw new ConfigError([{ file: this.options.path, line: 1, col: 1, path: 'flows.start', message: `start flow "${this.options.start}" is not defined; expected one of: ${[...flows.keys()].join(', ')}` }]);
    }
    for (const flow of flows.values()) this.versions.set(key(flow.id, flow.version), flow);
    this.current = flows;
    this.stamp = stamp;
  }

  /** The flow new conversations start in. */
  get start(): Flow {
    return this.current.get(this.options.start)!;
  }

  /** The version a conversation runs, or the current one if that version is no longer known (after a restart). */
  get(id: string, version: string): Flow | undefined {
    return this.versions.get(key(id, version)) ?? this.current.get(id);
  }

  /** Polls the files every `intervalMs` and reloads them when they change. */
  watch(intervalMs = 1000): void {
    this.timer = setInterval(() => this.reloadIfChanged(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reloads when a file changed, was added or removed; returns whether a new set is running. */
  reloadIfChanged(): boolean {
    let files: string[];
    try {
      files = flowFiles([this.options.path]);
    } catch (err) {
      this.options.logger?.error({ path: this.options.path, err: (err as Error).message }, 'flow files unreadable; the loaded flows keep running');
      return false;
    }
    const stamp = this.stampOf(files);
    if (stamp === this.stamp) return false;
    try {
      this.load();
      this.options.logger?.info({ path: this.options.path, flows: [...this.current.values()].map((f) => `${f.id}@${f.version}`) }, 'flows reloaded');
      return true;
    } catch (err) {
      this.stamp = stamp; // report a broken file once, not every poll
      const problems = err instanceof ConfigError ? err.message : (err as Error).message;
      this.options.logger?.error({ path: this.options.path, problems }, 'changed flow files are invalid; the previous version keeps running');
      return false;
    }
  }

  private stampOf(files: string[]): string {
    return files.map((f) => `${f}:${statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0}`).join('|');
  }
}

const key = (id: string, version: string) => `${id}@${version}`;
