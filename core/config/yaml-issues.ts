/**
 * YAML with positions, and its problems as `file:line:col` issues: the one place the config
 * loader, the flow loader and the golden transcripts turn YAML syntax errors and zod issues
 * into {@link ConfigIssue}s.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { ConfigIssue } from '../errors.js';

/** A path into the document, as zod and `doc.getIn` give it. */
export type YamlPath = readonly (string | number)[];

/** A place in a file, 1-based. */
export interface Position {
  line: number;
  col: number;
}

interface ZodIssueOptions {
  /** Said for a union without a discriminator that no branch accepted, instead of the union's own message. */
  unionMessage?: string;
}

/** A parsed YAML text that can say where each of its nodes is. */
export interface YamlFile {
  file: string;
  doc: Document;
  /** Syntax errors (each message's first line) at their positions; the rest is meaningless unless empty. */
  errors: ConfigIssue[];
  /** An issue at a character offset of the text. */
  at(offset: number, path: YamlPath, message: string): ConfigIssue;
  /** An issue at the node at `path` (at its key with `key`), or at its nearest existing parent. */
  atPath(path: YamlPath, message: string, key?: boolean): ConfigIssue;
  /** Where the node at `path` (or its nearest existing parent) starts. */
  position(path: YamlPath): Position;
  /** zod issues of the value at `base` as issues at their nodes (an unknown key: one issue per key, at the key). */
  zodIssues(issues: readonly z.core.$ZodIssue[], base?: YamlPath, options?: ZodIssueOptions): ConfigIssue[];
}

/** Parses a YAML text keeping positions (duplicate keys are errors). Never throws. */
export function parseYamlFile(text: string, file: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, path: YamlPath, message: string): ConfigIssue => ({ file, ...lines.linePos(offset), path: path.join('.'), message });
  const atPath = (path: YamlPath, message: string, key = false): ConfigIssue => at(offsetOf(doc, path, key), path, message);
  return {
    file,
    doc,
    errors: doc.errors.map((e) => at(e.pos[0], [], e.message.split('\n')[0] ?? e.message)),
    at,
    atPath,
    position: (path) => lines.linePos(offsetOf(doc, path, false)),
    zodIssues: (issues, base = [], options = {}) => issues.flatMap((issue) => zodIssue(atPath, base, issue, options)),
  };
}

/**
 * The path of a value node from the ancestors `visit` gives it (document first), or undefined for
 * a map's key or a node under a key that is not a scalar: what config issues call `path`.
 */
export function pathOfVisited(ancestors: readonly unknown[], node: unknown): (string | number)[] | undefined {
  const chain = [...ancestors, node];
  const path: (string | number)[] = [];
  for (let i = 1; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isPair(parent)) {
      if (child !== parent.value || !isScalar(parent.key)) return undefined;
      path.push(String(parent.key.value));
    } else if (isSeq(parent)) {
      path.push(parent.items.indexOf(child as never));
    }
  }
  return path;
}

/** Issues in reading order: by file, then line, then column (stable, so one place keeps its issues' order). */
export function byPosition(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

function zodIssue(atPath: YamlFile['atPath'], base: YamlPath, issue: z.core.$ZodIssue, options: ZodIssueOptions): ConfigIssue[] {
  const path = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => atPath([...path, key], `unknown key "${key}"`, true));
    case 'invalid_key':
      return [atPath(path, issue.issues[0]?.message ?? issue.message, true)];
    case 'invalid_type':
      if (issue.input === undefined) return [atPath(path, `missing (expected ${issue.expected})`)];
      return [atPath(path, `expected ${issue.expected}, got ${typeOf(issue.input)}`)];
    case 'invalid_union':
      if (issue.discriminator === undefined && options.unionMessage !== undefined) return [atPath(path, options.unionMessage)];
      return [atPath(path, issue.message)];
    default:
      return [atPath(path, issue.message)];
  }
}

function typeOf(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}

/**
 * Offset of the node at `path`, or of its key when `key`; a missing node points
 * at its nearest existing parent (at that parent's key, when `key`).
 */
function offsetOf(doc: Document, path: YamlPath, key: boolean): number {
  for (let depth = path.length; depth >= 0; depth--) {
    if (key && depth > 0) {
      const parent = doc.getIn(path.slice(0, depth - 1), true) as Node | undefined;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[depth - 1]));
        const k = pair?.key as Node | undefined;
        if (k?.range) return k.range[0];
      }
    }
    const node = (depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)) as Node | null | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return node.range[0];
  }
  return 0;
}
