/**
 * Golden transcripts: `*.test.yaml` files beside the flows, each playing
 * conversations against one flow and checking what the bot says and does.
 *
 * ```yaml
 * flow: shop                       # the flow (by id) under test
 * locale: en                       # optional contact locale; optional contact: { name: Ada }
 * tests:
 *   - name: callback lead          # a test may set its own locale and contact too
 *     steps:
 *       - bot: "What is your name?"                  # the next reply is exactly this text
 *       - bot: { matches: "^Hi", choices: [a, b] }   # or matches a regex; choices are ids, in order
 *       - user: "Ada"                                # the contact types this
 *       - choice: callback                           # the contact presses this button of the last reply
 *       - http: { ok: true, json: { status: shipped }, expectUrl: "https://…" }   # answers the pending request
 *       - http: { ok: false, error: timeout }
 *       - lead: { form: callback, fields: { name: Ada }, consent: true }        # fields are a subset; consent true, false or none
 *       - handoff: support                           # or `handoff: true` for any team
 *       - vars: { name: Ada, email: null }           # a subset of the variables; null means unset
 *       - status: ended                              # waiting, handoff or ended
 * ```
 *
 * Replies are checked in order, and none may go unchecked: any input step
 * (`user`, `choice`, `http`) and the end of a test report the replies before
 * them that no `bot` step took. `lead` and `handoff` take the first such action
 * emitted so far that no earlier step took.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { byPosition, parseYamlFile, type Position } from '../core/config/yaml-issues.js';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import type { Choice } from '../core/message.js';
import {
  startFlow,
  step,
  type FlowAction,
  type FlowInput,
  type FlowState,
  type HttpRequest,
  type HttpResult,
  type StepContext,
  type StepResult,
} from './engine.js';
import type { Flow } from './schema.js';
import { readOrReport } from './load.js';

/** What one step of a test checks or does. */
type StepBody =
  | { kind: 'bot'; text?: string; matches?: RegExp; choices?: string[] }
  | { kind: 'user'; text: string }
  | { kind: 'choice'; id: string }
  | { kind: 'http'; result: HttpResult; expectUrl?: string }
  | { kind: 'lead'; form?: string; fields?: Record<string, string | number>; consent?: boolean | 'none' }
  /** Without a team: any handoff. */
  | { kind: 'handoff'; team?: string }
  | { kind: 'vars'; vars: Record<string, unknown> }
  | { kind: 'status'; status: FlowState['status'] };

/** One step of a test, at the position of its key. */
type TranscriptStep = Position & StepBody;

interface TranscriptTest extends Position {
  name: string;
  /** The file's contact, with the test's own `locale` and `contact` over it. */
  contact: { name?: string; locale?: string };
  steps: TranscriptStep[];
}

export interface Transcript {
  file: string;
  flow: string;
  /** Where the `flow:` value is, for "no such flow". */
  flowAt: Position;
  tests: TranscriptTest[];
}

interface TranscriptFailure extends Position {
  message: string;
}

export interface TranscriptResult {
  name: string;
  file: string;
  passed: boolean;
  failures: TranscriptFailure[];
}

const locale = z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'expected a language code like "en" or "pt-BR"');
const contact = z.strictObject({ name: z.string().min(1).optional() });
// YAML reads `user: 3` as a number; the contact typed text.
const typed = z.union([z.string().min(1), z.number()], { error: 'expected a text' }).transform(String);
const regex = z
  .string()
  .min(1)
  .transform((source, ctx) => {
    try {
      return new RegExp(source);
    } catch (err) {
      ctx.issues.push({ code: 'custom', input: source, message: (err as Error).message });
      return z.NEVER;
    }
  });

// Tests and their steps are checked one by one, so one bad test does not hide the problems of the others.
const fileSchema = z.strictObject({ flow: z.string().min(1), locale: locale.optional(), contact: contact.optional(), tests: z.array(z.unknown()).min(1) });
const testSchema = z.strictObject({ name: z.string().min(1), locale: locale.optional(), contact: contact.optional(), steps: z.array(z.unknown()).min(1) });

/** Each step kind's schema, by its key; a step has exactly one of these keys. */
const stepSchemas = {
  bot: z.strictObject({
    bot: z.preprocess(
      (v) => (typeof v === 'string' || typeof v === 'number' ? { text: String(v) } : v),
      z
        .strictObject({ text: z.string().min(1).optional(), matches: regex.optional(), choices: z.array(typed).optional() })
        .refine((b) => b.text === undefined || b.matches === undefined, 'give text or matches, not both'),
    ),
  }),
  user: z.strictObject({ user: typed }),
  choice: z.strictObject({ choice: typed }),
  http: z.strictObject({
    http: z
      .strictObject({ ok: z.boolean(), json: z.unknown().optional(), error: z.string().min(1).optional(), expectUrl: z.string().min(1).optional() })
      .superRefine((h, ctx) => {
        const wrong = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
        if (!h.ok && h.error === undefined) wrong('error', 'a failed request needs an error, e.g. timeout');
        if (h.ok && h.error !== undefined) wrong('error', 'error is for ok: false');
        if (!h.ok && h.json !== undefined) wrong('json', 'json is for ok: true');
      }),
  }),
  lead: z.strictObject({
    lead: z.strictObject({
      form: z.string().min(1).optional(),
      fields: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      consent: z.union([z.boolean(), z.literal('none')], { error: 'expected true, false or none' }).optional(),
    }),
  }),
  handoff: z.strictObject({ handoff: z.union([z.literal(true), z.string().min(1)], { error: 'expected a team name, or true for any team' }) }),
  vars: z.strictObject({ vars: z.record(z.string(), z.unknown()) }),
  status: z.strictObject({ status: z.enum(['waiting', 'handoff', 'ended']) }),
} as const;
type StepKind = keyof typeof stepSchemas;
const stepKinds = Object.keys(stepSchemas) as StepKind[];

/** Transcript files (`*.test.yaml`) of a folder, or the files given. */
export function transcriptFiles(paths: readonly string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.test.yaml'))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

/** Reads and checks transcript files; throws one {@link ConfigError} listing every problem as file:line:col. */
export function loadTranscripts(files: readonly string[]): Transcript[] {
  const issues: ConfigIssue[] = [];
  const transcripts: Transcript[] = [];
  for (const file of files) {
    const text = readOrReport(file, issues);
    if (text === undefined) continue;
    const result = parseTranscript(text, file);
    issues.push(...result.issues);
    if (result.transcript) transcripts.push(result.transcript);
  }
  if (issues.length) throw new ConfigError(byPosition(issues));
  return transcripts;
}

/** One transcript file's text; problems are returned, not thrown, so all of them are reported. */
export function parseTranscript(text: string, file: string): { transcript?: Transcript; issues: ConfigIssue[] } {
  const yaml = parseYamlFile(text, file);
  const { atPath, position, zodIssues } = yaml;
  const issues = [...yaml.errors];
  if (issues.length) return { issues };
  const raw: unknown = yaml.doc.toJS() ?? {};
  const parsed = fileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) issues.push(...zodIssues(parsed.error.issues));
  const rawTests = isRecord(raw) && Array.isArray(raw.tests) ? (raw.tests as unknown[]) : [];

  const names = new Set<string>();
  const tests = rawTests.flatMap((rawTest, i): TranscriptTest[] => {
    const t = testSchema.safeParse(rawTest, { reportInput: true });
    if (!t.success) {
      issues.push(...zodIssues(t.error.issues, ['tests', i]));
      return [];
    }
    const { name, steps } = t.data;
    if (names.has(name)) issues.push(atPath(['tests', i, 'name'], `a test named "${name}" is already in this file`));
    names.add(name);
    const header: { contact?: { name?: string }; locale?: string } = parsed.success ? parsed.data : {};
    const who = {
      ...header.contact,
      ...(header.locale ? { locale: header.locale } : {}),
      ...t.data.contact,
      ...(t.data.locale ? { locale: t.data.locale } : {}),
    };
    return [{ name, ...position(['tests', i]), contact: who, steps: steps.flatMap((s, j) => parseStep(s, ['tests', i, 'steps', j])) }];
  });
  if (issues.length || !parsed.success) return { issues: byPosition(issues) };
  return { transcript: { file, flow: parsed.data.flow, flowAt: position(['flow']), tests }, issues };

  function parseStep(rawStep: unknown, path: (string | number)[]): TranscriptStep[] {
    const kinds = rawStep && typeof rawStep === 'object' ? stepKinds.filter((k) => k in rawStep) : [];
    if (kinds.length !== 1) {
      issues.push(
        atPath(path, kinds.length ? `a step has exactly one kind, found ${kinds.join(' and ')}` : `expected a step with one of: ${stepKinds.join(', ')}`),
      );
      return [];
    }
    const result = stepSchemas[kinds[0]!].safeParse(rawStep, { reportInput: true });
    if (!result.success) {
      issues.push(...zodIssues(result.error.issues, path));
      return [];
    }
    return [{ ...position(path), ...toStep(result.data) }];
  }
}

type StepData = { [K in StepKind]: z.output<(typeof stepSchemas)[K]> }[StepKind];

function toStep(data: StepData): StepBody {
  if ('bot' in data) return { kind: 'bot', ...data.bot };
  if ('user' in data) return { kind: 'user', text: data.user };
  if ('choice' in data) return { kind: 'choice', id: data.choice };
  if ('http' in data) {
    const { ok, json, error, expectUrl } = data.http;
    return { kind: 'http', result: ok ? { ok, json: json ?? null } : { ok, error: error! }, ...(expectUrl ? { expectUrl } : {}) };
  }
  if ('lead' in data) return { kind: 'lead', ...data.lead };
  if ('handoff' in data) return { kind: 'handoff', ...(data.handoff === true ? {} : { team: data.handoff }) };
  if ('vars' in data) return { kind: 'vars', vars: data.vars };
  return { kind: 'status', status: data.status };
}

/**
 * Plays each test of `transcript` against its flow (from `flows`, which also
 * serve `goto`s into other flows) and reports, per test, every failed check at
 * its step's line:col. A test stops at the first step that leaves it out of
 * step with the bot (a missing or unchecked reply, no pending request); other
 * mismatches are reported and the test goes on. Pure: no I/O.
 */
export function runTranscript(transcript: Transcript, flows: ReadonlyMap<string, Flow>, options: { channel?: string } = {}): TranscriptResult[] {
  const flow = flows.get(transcript.flow);
  return transcript.tests.map((test) => {
    const failures = flow
      ? runTest(test, flow, { contact: test.contact, channel: options.channel ?? 'api', flows })
      : [{ ...transcript.flowAt, message: `flow "${transcript.flow}" is not defined; expected one of: ${[...flows.keys()].join(', ')}` }];
    return { name: test.name, file: transcript.file, passed: failures.length === 0, failures };
  });
}

type Reply = Extract<FlowAction, { type: 'reply' }>;

function runTest(test: TranscriptTest, start: Flow, ctx: StepContext): TranscriptFailure[] {
  const failures: TranscriptFailure[] = [];
  const fail = (at: Position, message: string) => failures.push({ line: at.line, col: at.col, message });
  const first = startFlow(start, ctx);
  let state = first.state;
  const replies: Reply[] = []; // said and not yet checked
  const events: FlowAction[] = []; // leads and handoffs not yet checked
  let pending: HttpRequest | undefined;
  let lastReply: Reply | undefined;
  const take = (result: StepResult) => {
    state = result.state;
    if (state.awaiting !== 'http') pending = undefined;
    for (const action of result.actions) {
      if (action.type === 'reply') replies.push((lastReply = action));
      else if (action.type === 'http') pending = action.request;
      else events.push(action);
    }
  };
  const send = (input: FlowInput) => take(step(ctx.flows.get(state.flow) ?? start, state, input, ctx));
  /** Unchecked replies before an input or at the end: each is a failure. */
  const unchecked = (at: Position): boolean => {
    const left = replies.splice(0);
    for (const r of left) fail(at, `unexpected bot reply ${quote(r.text)}`);
    return left.length > 0;
  };
  take(first);

  for (const s of test.steps) {
    switch (s.kind) {
      case 'bot': {
        const reply = replies.shift();
        const wanted = s.text !== undefined ? `bot reply ${quote(s.text)}` : s.matches ? `a bot reply matching ${String(s.matches)}` : 'a bot reply';
        if (!reply) {
          fail(s, `expected ${wanted}, but the bot said nothing more (${where(state)})`);
          return failures;
        }
        const textOk = s.text !== undefined ? reply.text === s.text : !s.matches || s.matches.test(reply.text);
        if (!textOk) fail(s, `expected ${wanted}, got ${quote(reply.text)}`);
        const ids = (reply.choices ?? []).map((c) => c.id);
        if (s.choices && ids.join('\n') !== s.choices.join('\n')) fail(s, `expected choices [${s.choices.join(', ')}], got [${ids.join(', ')}]`);
        break;
      }
      case 'user':
      case 'choice':
        if (unchecked(s)) return failures;
        if (s.kind === 'choice' && !offered(lastReply?.choices, s.id)) {
          fail(s, `choice ${quote(s.id)} is not offered by the last bot reply (choices: [${(lastReply?.choices ?? []).map((c) => c.id).join(', ')}])`);
        }
        send(s.kind === 'user' ? { type: 'text', text: s.text } : { type: 'choice', choiceId: s.id });
        break;
      case 'http':
        if (unchecked(s)) return failures;
        if (!pending) {
          fail(s, `no http request is pending (${where(state)})`);
          return failures;
        }
        if (s.expectUrl !== undefined && pending.url !== s.expectUrl) fail(s, `expected request URL ${quote(s.expectUrl)}, got ${quote(pending.url)}`);
        send({ type: 'http-result', ...s.result });
        break;
      case 'lead':
        checkLead(s, events, fail);
        break;
      case 'handoff': {
        const index = events.findIndex((e) => e.type === 'handoff' && (s.team === undefined || e.team === s.team));
        const handoffs = events.filter((e) => e.type === 'handoff').map((e) => (e.team ? quote(e.team) : 'no team'));
        const wanted = s.team === undefined ? 'a handoff' : `a handoff to ${quote(s.team)}`;
        if (index >= 0) events.splice(index, 1);
        else
          fail(s, handoffs.length ? `expected ${wanted}, got a handoff to ${handoffs.join(', ')}` : `expected ${wanted}, but none happened (${where(state)})`);
        break;
      }
      case 'vars':
        for (const problem of subsetProblems(s.vars, state.vars, '')) fail(s, `variable ${problem}`);
        break;
      case 'status':
        if (state.status !== s.status) fail(s, `expected status ${s.status}, got ${where(state)}`);
        break;
    }
  }
  const last = test.steps.at(-1) ?? test;
  unchecked(last);
  return failures;
}

function checkLead(s: Extract<TranscriptStep, { kind: 'lead' }>, events: FlowAction[], fail: (at: Position, message: string) => void): void {
  const leads = events.filter((e): e is Extract<FlowAction, { type: 'lead' }> => e.type === 'lead');
  const lead = leads.find((l) => s.form === undefined || l.form === s.form);
  if (!lead) {
    const wanted = s.form === undefined ? 'a lead' : `a lead of form ${quote(s.form)}`;
    fail(s, leads.length ? `expected ${wanted}, got leads of form ${leads.map((l) => quote(l.form)).join(', ')}` : `expected ${wanted}, but none was captured`);
    return;
  }
  events.splice(events.indexOf(lead), 1);
  for (const problem of subsetProblems(s.fields ?? {}, lead.fields, '')) fail(s, `lead field ${problem}`);
  const granted = lead.consent === undefined ? 'none' : lead.consent.granted;
  if (s.consent !== undefined && s.consent !== granted) fail(s, `expected lead consent ${String(s.consent)}, got ${String(granted)}`);
}

/**
 * Where `actual` differs from `expected`: maps are compared key by key (a
 * subset), `null` stands for unset, anything else must be equal (types too).
 */
function subsetProblems(expected: Record<string, unknown>, actual: Record<string, unknown>, prefix: string): string[] {
  return Object.entries(expected).flatMap(([key, want]) => {
    const name = `${prefix}${key}`;
    const got = actual[key];
    if (want === null) return got === undefined || got === null ? [] : [`${name}: expected unset, got ${show(got)}`];
    if (isRecord(want) && isRecord(got)) return subsetProblems(want, got, `${name}.`);
    return JSON.stringify(want) === JSON.stringify(got) ? [] : [`${name}: expected ${show(want)}, got ${show(got)}`];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function offered(choices: readonly Choice[] | undefined, id: string): boolean {
  return (choices ?? []).some((c) => c.id === id);
}

/** What the flow is doing, for messages: `waiting at node "x"`. */
function where(state: FlowState): string {
  const doing =
    state.status === 'waiting' && state.awaiting === 'http' ? 'waiting for an http result' : state.status === 'handoff' ? 'handed off' : state.status;
  return `${doing} at node "${state.node}"`;
}

/** A bot text in a message: quoted, line breaks visible. */
function quote(text: string): string {
  return `'${text.replace(/\n/g, '\\n')}'`;
}

function show(value: unknown): string {
  return value === undefined ? 'unset' : JSON.stringify(value);
}
