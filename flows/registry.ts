import { statSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from '../core/errors.js';
import { FlowVersion, flowVersionId } from '../core/store/flow-version.js';
import { flowFiles, loadFlows, parseFlow, type ChoiceLimits } from './load.js';
import type { Flow } from './schema.js';

/**
 * One workspace's flows: the current version of each, and every version loaded
 * since start, so a running conversation finishes on the version it began with.
 * Changed files are picked up without a restart; an invalid change is refused
 * with a log line and the previous version keeps running. Every version's source
 * is also stored in MongoDB, so this holds across restarts too.
 */
export class FlowRegistry {
  current = new Map<string, Flow>();
  private readonly versions = new Map<string, Flow>();
  /** Versions loaded but not yet stored in MongoDB (see {@link saveVersions}). */
  private unsaved: Flow[] = [];
  private stamp = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: {
      workspace: string;
      path: string;
      start: string;
      limits?: readonly ChoiceLimits[];
      logger?: Logger;
      /** Store versions in MongoDB (needs a connected store); off for in-process tools such as benchmarks. */
      persist?: boolean;
    },
  ) {}

  /** Loads the files; throws {@link ConfigError} (file:line:col) when they are invalid. */
  load(): void {
    const files = flowFiles([this.options.path]);
    const stamp = this.stampOf(files);
    const flows = loadFlows(files, { limits: this.options.limits });
    if (!flows.has(this.options.start)) {
      throw new ConfigError([
        {
          file: this.options.path,
          line: 1,
          col: 1,
          path: 'flows.start',
          message: `start flow "${this.options.start}" is not defined; expected one of: ${[...flows.keys()].join(', ')}`,
        },
      ]);
    }
    for (const flow of flows.values()) {
      if (!this.versions.has(key(flow.id, flow.version))) this.unsaved.push(flow);
      this.versions.set(key(flow.id, flow.version), flow);
    }
    this.current = flows;
    this.stamp = stamp;
  }

  /** The flow new conversations start in. */
  get start(): Flow {
    return this.current.get(this.options.start)!;
  }

  /** A version loaded in this process, or else the current version of that flow. */
  get(id: string, version: string): Flow | undefined {
    return this.versions.get(key(id, version)) ?? this.current.get(id);
  }

  /**
   * The version a conversation runs: from memory, else from the sources stored in
   * MongoDB (a version of before a restart), else the current version of that flow.
   */
  async resolve(id: string, version: string): Promise<Flow | undefined> {
    const known = this.versions.get(key(id, version));
    if (known || !this.options.persist) return known ?? this.current.get(id);
    const stored = await FlowVersion.findById(flowVersionId(this.options.workspace, id, version)).lean();
    const flow = stored ? parseFlow(stored.source, stored.file).flow : undefined;
    if (flow && flow.version === version) {
      this.versions.set(key(id, version), flow);
      return flow;
    }
    return this.current.get(id);
  }

  /** Stores the sources of versions loaded since the last call (once each; cheap when there are none). */
  async saveVersions(): Promise<void> {
    if (!this.options.persist) return;
    const pending = this.unsaved;
    this.unsaved = [];
    try {
      for (const flow of pending) {
        await FlowVersion.updateOne(
          { _id: flowVersionId(this.options.workspace, flow.id, flow.version) },
          { $setOnInsert: { workspace: this.options.workspace, flow: flow.id, file: flow.file, source: flow.source } },
          { upsert: true },
        );
      }
    } catch (err) {
      this.unsaved.push(...pending); // try again on the next turn
      throw err;
    }
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
