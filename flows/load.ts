import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isScalar, Scalar, type Document, type Node } from 'yaml';
import { byPosition, parseYamlFile, type YamlFile, type YamlPath } from '../core/config/yaml-issues.js';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { flowHeaderSchema, nodeKinds, nodeSchemas, type Flow, type FlowNode, type NodeKind, type Text } from './schema.js';
import { parseTemplate } from './template.js';

/** What a channel can show, for the "choices beyond a channel's limits" check. */
export interface ChoiceLimits {
  channel: string;
  maxChoices: number;
  maxChoiceLabelLength: number;
}

export interface LoadFlowsOptions {
  limits?: readonly ChoiceLimits[];
}

/** Variables every flow can use without defining them. */
const builtinRoots = new Set(['contact', 'channel']);
/** Only an http node's url, headers and body may use `{{ secrets.* }}`: a chat text would show them to the contact. */
const secretsRoot = 'secrets';

/** Flow files (`*.yaml`, not `*.test.yaml`) of a folder, or the files given. */
export function flowFiles(paths: readonly string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

/**
 * Loads and checks flow files: schema, graph (unknown and unreachable nodes,
 * jumps to unknown flows), templates (syntax, undefined variables) and choice
 * limits. Throws one {@link ConfigError} listing every problem of every file.
 */
export function loadFlows(files: readonly string[], options: LoadFlowsOptions = {}): Map<string, Flow> {
  const issues: ConfigIssue[] = [];
  const flows = new Map<string, Flow>();
  const jumps: { flow: string; node?: string; at: ConfigIssue }[] = [];
  for (const file of files) {
    const text = readOrReport(file, issues);
    if (text === undefined) continue;
    const result = parseFlow(text, file, options);
    issues.push(...result.issues);
    jumps.push(...result.jumps);
    if (!result.flow) continue;
    if (flows.has(result.flow.id)) {
      issues.push({ ...result.idAt, message: `flow "${result.flow.id}" is already defined in ${flows.get(result.flow.id)!.file}` });
      continue;
    }
    flows.set(result.flow.id, result.flow);
  }
  for (const jump of jumps) {
    const target = flows.get(jump.flow);
    if (!target) issues.push({ ...jump.at, message: `goto names flow "${jump.flow}", which is not defined; expected one of: ${[...flows.keys()].join(', ')}` });
    else if (jump.node && !target.nodes.has(jump.node)) issues.push({ ...jump.at, message: `flow "${jump.flow}" has no node "${jump.node}"` });
  }
  if (issues.length) throw new ConfigError(byPosition(issues));
  return flows;
}

/** A file's text, or undefined with the reason added to `issues` (so one run reports every file). */
export function readOrReport(file: string, issues: ConfigIssue[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    issues.push({ file, line: 1, col: 1, path: '', message: `cannot read file: ${(err as Error).message}` });
    return undefined;
  }
}

interface ParseResult {
  flow?: Flow;
  idAt: ConfigIssue;
  issues: ConfigIssue[];
  jumps: { flow: string; node?: string; at: ConfigIssue }[];
}

/** One flow file; problems are returned, not thrown, so a run reports them all. */
export function parseFlow(text: string, file: string, options: LoadFlowsOptions = {}): ParseResult {
  const yaml = parseYamlFile(text, file);
  const { doc, atPath } = yaml;
  const result: ParseResult = { idAt: atPath(['flow'], ''), issues: [], jumps: [] };
  const { issues } = result;
  /** Texts are the unions without a discriminator here; a validator's `type` says which values it expects. */
  const zodIssues: YamlFile['zodIssues'] = (list, base) => yaml.zodIssues(list, base, { unionMessage: 'expected a text, or a map of language code to text' });

  issues.push(...yaml.errors);
  if (issues.length) return result;

  const header = flowHeaderSchema.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (!header.success) {
    issues.push(...zodIssues(header.error.issues));
    return result;
  }
  const { flow: id, start, locale, intents } = header.data;

  const nodes = new Map<string, FlowNode>();
  const invalid = new Set<string>(); // reported already: edges into them are not errors of their own
  const defined = new Set<string>(builtinRoots);
  for (const [name, raw] of Object.entries(header.data.nodes)) {
    const path = ['nodes', name];
    const kinds = raw && typeof raw === 'object' ? nodeKinds.filter((k) => k in raw) : [];
    if (kinds.length !== 1) {
      issues.push(
        atPath(path, kinds.length ? `a node has exactly one kind, found ${kinds.join(' and ')}` : `expected a node with one of: ${nodeKinds.join(', ')}`, true),
      );
      invalid.add(name);
      continue;
    }
    const kind = kinds[0] as NodeKind;
    const parsed = nodeSchemas[kind].safeParse(raw, { reportInput: true });
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error.issues, path));
      invalid.add(name);
      // Likewise the variables it means to set, so their uses elsewhere are not reported too.
      for (const v of variablesOf(raw)) defined.add(v);
      continue;
    }
    nodes.set(name, { ...parsed.data, kind } as FlowNode);
  }

  // The graph: every edge must land on a node; every node must be reachable from the start.
  for (const node of nodes.values()) for (const v of variablesOf(node)) defined.add(v);
  if (!nodes.has(start) && !invalid.has(start)) issues.push(atPath(['start'], `start node "${start}" is not defined`));
  const edges = new Map<string, string[]>();
  for (const [name, node] of nodes) {
    const out: [string, (string | number)[]][] = [];
    const p = ['nodes', name];
    switch (node.kind) {
      case 'say':
        node.choices?.forEach((c, i) => out.push([c.next, [...p, 'choices', i, 'next']]));
        if (node.next) out.push([node.next, [...p, 'next']]);
        break;
      case 'ask':
        out.push([node.next, [...p, 'next']]);
        if (node.fallback) out.push([node.fallback, [...p, 'fallback']]);
        break;
      case 'branch':
        node.branch.forEach((b, i) => out.push([b.next, [...p, 'branch', i, 'next']]));
        out.push([node.else, [...p, 'else']]);
        break;
      case 'set':
      case 'form':
        out.push([node.next, [...p, 'next']]);
        break;
      case 'http':
        out.push([node.next, [...p, 'next']], [node.onError, [...p, 'onError']]);
        break;
      case 'goto':
        if (typeof node.goto === 'string') out.push([node.goto, [...p, 'goto']]);
        else if (node.goto.flow === id) out.push([node.goto.node ?? start, [...p, 'goto']]);
        else result.jumps.push({ flow: node.goto.flow, node: node.goto.node, at: atPath([...p, 'goto', 'flow'], '') });
        break;
      case 'handoff':
        if (node.handoff.next) out.push([node.handoff.next, [...p, 'handoff', 'next']]);
        break;
      case 'transcript':
        if (node.next) out.push([node.next, [...p, 'next']]);
        break;
      case 'end':
        break;
    }
    for (const [target, path] of out) {
      if (!nodes.has(target) && !invalid.has(target)) {
        issues.push(atPath(path, `node "${target}" is not defined; expected one of: ${[...nodes.keys()].join(', ')}`));
      }
    }
    edges.set(
      name,
      out.map(([t]) => t),
    );
    checkTexts(node, p, defined, yaml, issues, options.limits ?? []);
  }
  for (const [word, target] of Object.entries(intents)) {
    if (!target.startsWith('@') && !nodes.has(target) && !invalid.has(target)) {
      issues.push(atPath(['intents', word], `node "${target}" is not defined; expected a node, "@restart" or "@stop"`));
    }
  }
  const reached = new Set<string>();
  const queue = nodes.has(start) ? [start, ...Object.values(intents).filter((t) => nodes.has(t))] : [];
  while (queue.length) {
    const n = queue.pop()!;
    if (reached.has(n)) continue;
    reached.add(n);
    queue.push(...(edges.get(n) ?? []));
  }
  if (nodes.has(start) && !invalid.size) {
    for (const name of nodes.keys())
      if (!reached.has(name)) issues.push(atPath(['nodes', name], `node "${name}" cannot be reached from the start node "${start}"`, true));
  }

  if (issues.length) return result;
  const words = Object.fromEntries(Object.entries(intents).map(([w, t]) => [w.trim().toLowerCase(), t]));
  result.flow = {
    id,
    version: createHash('sha256').update(text).digest('hex').slice(0, 12),
    file,
    source: text,
    start,
    locale,
    intents: words,
    ...(header.data.idle ? { idle: header.data.idle } : {}),
    nodes,
  };
  return result;
}

/** The variables a node sets: an ask or http node's `var`, a set node's keys, a form's field names. Works on unchecked YAML too. */
function variablesOf(node: unknown): string[] {
  if (!node || typeof node !== 'object') return [];
  const n = node as { var?: unknown; set?: unknown; form?: { fields?: unknown } };
  const names: unknown[] = [n.var];
  if (n.set && typeof n.set === 'object') names.push(...Object.keys(n.set));
  if (n.form && Array.isArray(n.form.fields))
    names.push(...n.form.fields.map((f: unknown) => (f && typeof f === 'object' ? (f as { name?: unknown }).name : undefined)));
  return names.filter((v): v is string => typeof v === 'string');
}

/**
 * Template syntax and variables of every text in a node (http url, headers and
 * body included), and choice limits per channel (say choices, form options).
 */
function checkTexts(
  node: FlowNode,
  p: (string | number)[],
  defined: Set<string>,
  locate: YamlFile,
  issues: ConfigIssue[],
  limits: readonly ChoiceLimits[],
): void {
  const { atPath } = locate;
  const texts: [Text | undefined, (string | number)[]][] = [];
  const choiceLists: [readonly { label: Text }[], (string | number)[]][] = [];
  if (node.kind === 'say' && node.choices) choiceLists.push([node.choices, [...p, 'choices']]);
  switch (node.kind) {
    case 'say':
      texts.push([node.say, [...p, 'say']], [node.retry, [...p, 'retry']]);
      node.choices?.forEach((c, i) => texts.push([c.label, [...p, 'choices', i, 'label']]));
      break;
    case 'ask':
      texts.push([node.ask, [...p, 'ask']], [node.retry, [...p, 'retry']]);
      break;
    case 'handoff':
      texts.push([node.handoff.message, [...p, 'handoff', 'message']]);
      break;
    case 'end':
      texts.push([node.end ?? undefined, [...p, 'end']]);
      break;
    case 'set':
      for (const [k, v] of Object.entries(node.set)) if (typeof v === 'string') texts.push([v, [...p, 'set', k]]);
      break;
    case 'form': {
      const f = [...p, 'form'];
      texts.push([node.form.title, [...f, 'title']], [node.form.submitted, [...f, 'submitted']], [node.form.consent?.label, [...f, 'consent', 'label']]);
      node.form.fields.forEach((field, i) => {
        texts.push([field.label, [...f, 'fields', i, 'label']], [field.retry, [...f, 'fields', i, 'retry']]);
        field.options?.forEach((o, j) => texts.push([o.label, [...f, 'fields', i, 'options', j, 'label']]));
        if (field.options) choiceLists.push([field.options, [...f, 'fields', i, 'options']]);
      });
      break;
    }
    case 'http':
      texts.push([node.http.url, [...p, 'http', 'url']], [node.http.body, [...p, 'http', 'body']]);
      for (const [name, value] of Object.entries(node.http.headers)) texts.push([value, [...p, 'http', 'headers', name]]);
      break;
    case 'transcript':
      texts.push([node.transcript.say, [...p, 'transcript', 'say']]);
      if (!defined.has(node.transcript.to)) {
        issues.push(
          atPath([...p, 'transcript', 'to'], `variable "${node.transcript.to}" is never set: ask for the address first (an ask node validated as email)`),
        );
      }
      break;
    default:
      break;
  }
  const mayUseSecrets = node.kind === 'http';
  for (const [text, path] of texts) {
    if (text === undefined) continue;
    const variants: [string, (string | number)[]][] = typeof text === 'string' ? [[text, path]] : Object.entries(text).map(([lang, t]) => [t, [...path, lang]]);
    for (const [template, where] of variants) {
      const parsed = parseTemplate(template);
      const inTemplate = (offset: number, message: string) => {
        const start = scalarStart(locate.doc, where);
        return start !== undefined && offset >= 0 ? locate.at(start + offset, where, message) : atPath(where, message);
      };
      for (const e of parsed.errors) issues.push(inTemplate(e.offset, e.message));
      for (const path of parsed.paths) {
        const root = path.split('.')[0]!;
        if (defined.has(root) || (root === secretsRoot && mayUseSecrets)) continue;
        const message =
          root === secretsRoot
            ? "secrets can only be used in an http node's url, headers or body"
            : `variable "${root}" is used but never set (by an ask node's var, a set node, a form field or an http node's var)`;
        issues.push(inTemplate(template.indexOf(path), message));
      }
    }
  }
  for (const [choices, where] of choiceLists) {
    for (const limit of limits) {
      if (limit.maxChoices > 0 && choices.length > limit.maxChoices) {
        issues.push(atPath(where, `${choices.length} choices, but ${limit.channel} shows at most ${limit.maxChoices}`));
      }
      choices.forEach((c, i) => {
        const labels = typeof c.label === 'string' ? [c.label] : Object.values(c.label);
        const longest = Math.max(...labels.map((l) => l.length));
        if (limit.maxChoiceLabelLength > 0 && longest > limit.maxChoiceLabelLength) {
          issues.push(atPath([...where, i, 'label'], `label of ${longest} characters, but ${limit.channel} shows at most ${limit.maxChoiceLabelLength}`));
        }
      });
    }
  }
}

/**
 * Where a scalar's text starts (after an opening quote), so template offsets map
 * to columns; undefined for block scalars, where they would not (the scalar's own
 * position is reported instead).
 */
function scalarStart(doc: Document, path: YamlPath): number | undefined {
  const node = doc.getIn(path, true) as Node | undefined;
  if (!isScalar(node) || !node.range) return undefined;
  if (node.type === Scalar.PLAIN) return node.range[0];
  if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) return node.range[0] + 1;
  return undefined;
}
