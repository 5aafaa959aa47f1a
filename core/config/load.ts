import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { configSchema, type Config } from './schema.js';
import { interpolate } from './interpolate.js';

/** Channel id → the zod schema of one account of that channel (from the adapter registry). */
export type ChannelSchemas = ReadonlyMap<string, z.ZodType>;

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Each channel's account schema; accounts of channels not listed here are an error. */
  channelSchemas: ChannelSchemas;
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
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, path: string, message: string): ConfigIssue => {
    const pos = lines.linePos(offset);
    return { file, line: pos.line, col: pos.col, path, message };
  };

  const issues: ConfigIssue[] = doc.errors.map((e) => at(e.pos[0], '', e.message.split('\n')[0] ?? e.message));
  if (issues.length) throw new ConfigError(issues);

  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const { value, missing } = interpolate(node.value, env);
      for (const name of missing) {
        issues.push(at(node.range?.[0] ?? 0, '', `environment variable ${name} is not set (use \${${name}:-default} for a default)`));
      }
      node.value = value;
    },
  });
  if (issues.length) throw new ConfigError(issues);

  const parsed = configSchema.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(byPosition(parsed.error.issues.flatMap((issue) => zodIssueAt(doc, at, [], issue))));
  }
  const config = parsed.data;
  for (const ws of config.workspaces) if (ws.flows) ws.flows.path = resolve(dirname(file), ws.flows.path);

  // Cross-field checks the schema cannot express, and each channel's own account schema.
  const seenWorkspaces = new Map<string, number>();
  const seenAccounts = new Map<string, string>();
  config.workspaces.forEach((ws, w) => {
    const wsPath = ['workspaces', w];
    if (seenWorkspaces.has(ws.id)) {
      issues.push(issueAt(doc, at, [...wsPath, 'id'], `workspace id "${ws.id}" is already used by workspaces.${seenWorkspaces.get(ws.id)}`));
    }
    seenWorkspaces.set(ws.id, w);
    for (const [channel, accounts] of Object.entries(ws.channels)) {
      const schema = options.channelSchemas.get(channel);
      const chPath = [...wsPath, 'channels', channel];
      if (!schema) {
        issues.push(issueAt(doc, at, chPath, `unknown channel "${channel}"; expected one of: ${[...options.channelSchemas.keys()].join(', ')}`, true));
        continue;
      }
      accounts.forEach((account, a) => {
        const accPath = [...chPath, a];
        // Account ids are global per channel because webhook URLs carry no workspace.
        const owner = seenAccounts.get(`${channel}/${account.account}`);
        if (owner !== undefined) {
          issues.push(issueAt(doc, at, [...accPath, 'account'], `${channel} account "${account.account}" is already declared in workspace "${owner}"; account ids must be unique per channel across workspaces`));
        }
        seenAccounts.set(`${channel}/${account.account}`, ws.id);
        const result = schema.safeParse(account, { reportInput: true });
        if (result.success) {
          ws.channels[channel]![a] = result.data as typeof account;
        } else {
          issues.push(...result.error.issues.flatMap((issue) => zodIssueAt(doc, at, accPath, issue)));
        }
      });
    }
  });
  if (issues.length) throw new ConfigError(byPosition(issues));
  return config;
}

const byPosition = (issues: ConfigIssue[]): ConfigIssue[] => issues.sort((a, b) => a.line - b.line || a.col - b.col);

type At = (offset: number, path: string, message: string) => ConfigIssue;
type Path = readonly (string | number)[];

function zodIssueAt(doc: Document, at: At, base: Path, issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => issueAt(doc, at, [...path, key], `unknown key "${key}"`, true));
  }
  return [issueAt(doc, at, path, describe(issue))];
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return `missing (expected ${issue.expected})`;
    return `expected ${issue.expected}, got ${Array.isArray(issue.input) ? 'array' : issue.input === null ? 'null' : typeof issue.input}`;
  }
  return issue.message;
}

/**
 * Position of the node at `path`, or of its key when `atKey`; a missing node
 * points at its nearest existing parent.
 */
function issueAt(doc: Document, at: At, path: Path, message: string, atKey = false): ConfigIssue {
  const dotted = path.join('.');
  for (let depth = path.length; depth >= 0; depth--) {
    const parentPath = path.slice(0, depth - 1);
    const last = path[depth - 1];
    if (depth > 0 && atKey) {
      const parent = doc.getIn(parentPath, true) as Node | undefined;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
        const keyNode = pair?.key as Node | undefined;
        if (keyNode?.range) return at(keyNode.range[0], dotted, message);
      }
    }
    const node = (depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)) as Node | null | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return at(node.range[0], dotted, message);
  }
  return at(0, dotted, message);
}
