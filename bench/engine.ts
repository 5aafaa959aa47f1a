/**
 * The flow engine alone, in process: steps per second and µs per step on the
 * example shop flow (config/flows/shop.yaml), against baselines measured in the
 * same run. No I/O: the order lookup's http-result is fed in by the script.
 *
 *   npx tsx bench/engine.ts [--rounds R] [--seconds S] [--heap-conversations N]
 *
 * --rounds: timed rounds of all scripted conversations (default 4000); --seconds:
 * length of each untimed throughput run (default 1); --heap-conversations:
 * conversations per heap measurement (default 50000).
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { workspaceSchema } from '../core/config/schema.js';
import type { InboundMessage } from '../core/message.js';
import { AutoReplyResponder, type Turn } from '../core/responder.js';
import type { ConversationDoc } from '../core/store/conversation.js';
import { startFlow, step, type FlowAction, type FlowInput, type FlowState, type HttpRequest, type HttpResult, type StepContext } from '../flows/engine.js';
import { FlowRegistry } from '../flows/registry.js';
import { FlowResponder } from '../flows/responder.js';
import { validateAnswer, type AnswerValidator, type ValidationContext } from '../flows/validators.js';
import { loadShopFlows, shopFlowsDir, shopStart } from './flow-script.js';
import { percentile, printRows, writeResults } from './report.js';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4000' },
    seconds: { type: 'string', default: '1' },
    'heap-conversations': { type: 'string', default: '50000' },
  },
  strict: true,
});
const positive = (name: keyof typeof flags): number => {
  const n = Number(flags[name]);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number`);
  return n;
};
const opts = { rounds: Math.ceil(positive('rounds')), seconds: positive('seconds'), heapConversations: Math.ceil(positive('heap-conversations')) };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { flows, shop } = loadShopFlows();
const ctx: StepContext = { contact: { name: 'Ada', locale: 'en' }, channel: 'api', flows };

// ---------------------------------------------------------------------------------------------
// The scripted conversations: every step has a label saying what kind of work it is.

interface ScriptedStep {
  label: string;
  /** Undefined: startFlow. */
  input?: FlowInput;
}
interface Conversation {
  name: string;
  steps: ScriptedStep[];
  /** Checked once before measuring, so a changed flow cannot silently turn the script into retries. */
  expect: { status: FlowState['status']; node: string; actions: FlowAction['type'][] };
}

const text = (label: string, t: string): ScriptedStep => ({ label, input: { type: 'text', text: t } });
const button = (label: string, choiceId: string): ScriptedStep => ({ label, input: { type: 'choice', choiceId } });
const httpResult = (label: string, result: HttpResult): ScriptedStep => ({ label, input: { type: 'http-result', ...result } });
const start: ScriptedStep = { label: 'startFlow (say + choices)' };

const conversations: Conversation[] = [
  {
    name: 'browse',
    steps: [
      start,
      button('choice: button', 'hours'),
      text('choice: label', 'Yes'),
      text('choice: number', '1'),
      text('choice: no match (retry)', 'maybe'),
      button('choice: button', 'done'),
    ],
    expect: { status: 'ended', node: 'bye', actions: ['reply'] },
  },
  {
    name: 'order shipped',
    steps: [
      start,
      text('choice: label', 'Order status'),
      text('ask: invalid (retry)', '12ab'),
      text('ask: valid -> http', '123456'),
      httpResult('http-result -> branch, say', { ok: true, json: { status: 'shipped', eta: 'Friday' } }),
      text('choice: label', 'No, thanks'),
    ],
    expect: { status: 'ended', node: 'bye', actions: ['reply', 'http'] },
  },
  {
    name: 'order failed',
    steps: [
      start,
      text('choice: number', '2'),
      text('ask: valid -> http', '98765'),
      text('text while awaiting http', 'hello?'),
      httpResult('http-result (error) -> say + choices', { ok: false, error: 'status 404' }),
      text('choice: label', 'No, thanks'),
      text('choice: number', '2'),
    ],
    expect: { status: 'ended', node: 'bye', actions: ['reply', 'http'] },
  },
  {
    name: 'callback',
    steps: [
      start,
      text('choice: number', '3'),
      text('form: text', 'Alice'),
      text('form: email invalid (retry)', 'alice at example'),
      text('form: email', 'alice@example.com'),
      text('form: phone', '+420 601 123 456'),
      text('form: consent -> lead', 'Yes'),
      text('choice: label', 'No, thanks'),
    ],
    expect: { status: 'ended', node: 'bye', actions: ['reply', 'lead'] },
  },
  {
    name: 'callback skipped, intents',
    steps: [
      start,
      button('choice: button', 'callback'),
      text('form: text', 'Bob'),
      text('form: skip', 'skip'),
      text('form: skip', 'skip'),
      button('form: consent -> lead', 'no'),
      text('choice: label', 'Yes'),
      text('intent: @stop', 'stop'),
      text('intent: node -> handoff', 'human'),
      text('text while handed off', 'hello'),
    ],
    expect: { status: 'handoff', node: 'to_agent', actions: ['reply', 'lead', 'opt-out', 'handoff'] },
  },
  {
    name: 'ask fallback',
    steps: [
      start,
      text('choice: number', '2'),
      text('ask: invalid (retry)', 'x'),
      text('intent: @restart', 'restart'),
      text('choice: label', 'order status'),
      text('ask: invalid (retry)', 'abc'),
      text('ask: invalid (retry)', 'abcd'),
      text('ask: invalid -> fallback handoff', 'abcde'),
    ],
    expect: { status: 'handoff', node: 'to_agent', actions: ['reply', 'handoff'] },
  },
];

const flat = conversations.flatMap((c) => c.steps);
const labels = [...new Set(flat.map((s) => s.label))];
const labelOf = Uint8Array.from(flat.map((s) => labels.indexOf(s.label)));
const stepsPerRound = flat.length;

/** Defeats dead-code elimination: every result is counted. */
let sink = 0;

function play(c: Conversation): FlowState {
  let state: FlowState | undefined;
  for (const s of c.steps) {
    const result = s.input && state ? step(shop, state, s.input, ctx) : startFlow(shop, ctx);
    sink += result.actions.length;
    state = result.state;
  }
  return state!;
}

/** Plays each conversation once, checking it does what its name says; returns the state after every step. */
function verify(): FlowState[] {
  const states: FlowState[] = [];
  for (const c of conversations) {
    let state: FlowState | undefined;
    const seen = new Set<string>();
    for (const s of c.steps) {
      if (s.input?.type === 'http-result' && state?.awaiting !== 'http')
        throw new Error(`${c.name}: an http-result where the flow awaits none (at ${state?.node})`);
      const result = s.input && state ? step(shop, state, s.input, ctx) : startFlow(shop, ctx);
      for (const a of result.actions) seen.add(a.type);
      state = result.state;
      states.push(state);
    }
    const missing = c.expect.actions.filter((a) => !seen.has(a));
    if (state!.status !== c.expect.status || state!.node !== c.expect.node || missing.length) {
      throw new Error(
        `${c.name}: ended ${state!.status} at ${state!.node}${missing.length ? `, without ${missing.join(', ')}` : ''}; the script no longer fits the shop flow`,
      );
    }
  }
  return states;
}

// ---------------------------------------------------------------------------------------------
// Measuring.

interface Stats {
  ops: number;
  opsPerSec: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
}

function statsOf(samplesMs: ArrayLike<number>, opsPerSec: number): Stats {
  const us = Array.from(samplesMs, (ms) => ms * 1000).sort((a, b) => a - b);
  return { ops: us.length, opsPerSec, meanUs: us.reduce((a, b) => a + b, 0) / us.length, p50Us: percentile(us, 50), p99Us: percentile(us, 99) };
}

/** Runs `round` (doing `opsPerRound` ops) for about `seconds`; its rate (ops/s). */
function rateOf(round: () => void, opsPerRound: number, seconds = opts.seconds): number {
  let n = 0;
  const t0 = performance.now();
  let elapsed: number;
  do {
    for (let k = 0; k < 50; k++) round();
    n += 50;
    elapsed = performance.now() - t0;
  } while (elapsed < seconds * 1000);
  return (n * opsPerRound) / (elapsed / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Throughput of each contender, measured in turns (A, B, C, A, B, C, ...) so drift in
 * the machine's load hits all alike: per contender the median rate, and per run the
 * rate of the first against each other (paired), whose median is the ratio reported.
 */
function interleavedRates(contenders: { round: () => void; ops: number }[], runs = 5): { rates: number[]; pairedRatios: number[] } {
  const all = contenders.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) contenders.forEach((c, i) => all[i]!.push(rateOf(c.round, c.ops)));
  return { rates: all.map(median), pairedRatios: all.map((rates) => median(rates.map((rate, r) => rate / all[0]![r]!))) };
}

/** Engine steps, each timed: samples (ms) in script order, round after round. */
function timedSteps(rounds: number): Float64Array {
  const samples = new Float64Array(rounds * stepsPerRound);
  let at = 0;
  for (let r = 0; r < rounds; r++) {
    for (const c of conversations) {
      let state: FlowState | undefined;
      for (const s of c.steps) {
        const t0 = performance.now();
        const result = s.input && state ? step(shop, state, s.input, ctx) : startFlow(shop, ctx);
        samples[at++] = performance.now() - t0;
        sink += result.actions.length;
        state = result.state;
      }
    }
  }
  return samples;
}

function timed(rounds: number, ops: readonly (() => void)[]): Float64Array {
  const samples = new Float64Array(rounds * ops.length);
  let at = 0;
  for (let r = 0; r < rounds; r++) {
    for (const op of ops) {
      const t0 = performance.now();
      op();
      samples[at++] = performance.now() - t0;
    }
  }
  return samples;
}

/** Heap after a full GC, before and after `conversations` conversations (nothing kept); bytes per 10k. */
function heapGrowthPer10k(conversationsToRun: number): number {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let n = 0; n < conversationsToRun;) {
    for (const c of conversations) {
      play(c);
      n++;
    }
  }
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  return ((after - before) / conversationsToRun) * 10_000;
}

// The FlowResponder around the engine, as the hub calls it per message: state JSON in and out, http faked.
function responderTurns(): { responder: FlowResponder; conversations: { turns: Turn[] }[] } {
  const registry = new FlowRegistry({ workspace: 'bench', path: shopFlowsDir, start: shopStart });
  registry.load();
  const workspace = workspaceSchema.parse({ id: 'bench', name: 'Bench', flows: { path: shopFlowsDir, start: shopStart } });
  const fakeHttp = async (request: HttpRequest): Promise<HttpResult> =>
    request.url.endsWith('/123456') ? { ok: true, json: { status: 'shipped', eta: 'Friday' } } : { ok: false, error: 'status 404' };
  const responder = new FlowResponder({ registries: new Map([['bench', registry]]), fallback: new AutoReplyResponder(), http: fakeHttp });
  const conversation = {} as ConversationDoc; // not read by the FlowResponder
  return {
    responder,
    conversations: conversations.map((c, ci) => ({
      // http-results are the responder's own business (it calls `fakeHttp` in the same turn).
      turns: c.steps
        .filter((s) => s.input?.type !== 'http-result')
        .map((s, i): Turn => {
          const input = s.input ?? { type: 'text' as const, text: 'hi' };
          const content: InboundMessage['content'] =
            input.type === 'choice' ? { type: 'choice', choiceId: input.choiceId } : { type: 'text', text: input.type === 'text' ? input.text : '' };
          const message: InboundMessage = {
            platformId: `m-${ci}-${i}`,
            address: { workspace: 'bench', channel: 'api', account: 'bench-app', user: `u-${ci}` },
            receivedAt: new Date(0).toISOString(),
            content,
          };
          return { workspace, conversation, contact: ctx.contact, address: message.address, message, state: undefined };
        }),
    })),
  };
}

async function playTurns(responder: FlowResponder, turns: readonly Turn[], samples?: number[]): Promise<number> {
  let state: string | undefined;
  let replies = 0;
  for (const turn of turns) {
    const t0 = performance.now();
    const outcome = await responder.respond({ ...turn, state });
    samples?.push(performance.now() - t0);
    replies += outcome.replies.length;
    state = outcome.state ?? state;
  }
  return replies;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  const states = verify();
  const stateBytes = states.map((s) => JSON.stringify(s).length);
  console.log(
    `engine bench: flow ${shop.id}@${shop.version.slice(0, 8)} (${shop.file}), ${conversations.length} scripted conversations, ${stepsPerRound} steps per round, state ${Math.min(...stateBytes)}-${Math.max(...stateBytes)} B as JSON`,
  );
  console.log(`node ${process.version}, ${opts.rounds} timed rounds, throughput runs of ${opts.seconds} s (median of 5)`);

  // Cold: FlowResponder turns 101-1,100 of this process, before any warm-up (as in the pipeline
  // benchmark's measured run after its 100 warm-up messages, where the engine never gets hot).
  const turns = responderTurns();
  const turnsPerRound = turns.conversations.reduce((a, c) => a + c.turns.length, 0);
  const coldSamples: number[] = [];
  while (coldSamples.length < 1100) for (const c of turns.conversations) sink += await playTurns(turns.responder, c.turns, coldSamples);
  const cold = statsOf(coldSamples.slice(100, 1100), 0);

  // Warm-up: let the JIT settle on every path before anything is measured.
  const round = () => {
    for (const c of conversations) play(c);
  };
  for (let i = 0; i < 3000; i++) round();

  // Timer overhead: a performance.now() pair around nothing.
  const overhead = statsOf(timed(200_000, [() => {}]), 0);

  const stepSamples = timedSteps(opts.rounds);
  const stepsTimed = statsOf(stepSamples, 0);

  const byLabel = labels.map((label, li) => {
    const mine: number[] = [];
    for (let i = 0; i < stepSamples.length; i++) if (labelOf[i % stepsPerRound] === li) mine.push(stepSamples[i]!);
    return { label, ...statsOf(mine, 0) };
  });

  // Baseline 1: a JSON round trip of the state after each step (same sizes; the responder does one per turn).
  const jsonOps = states.map((s) => () => {
    sink += (JSON.parse(JSON.stringify(s)) as FlowState).retries;
  });
  const jsonRound = () => {
    for (const op of jsonOps) op();
  };
  for (let i = 0; i < 3000; i++) jsonRound();
  const jsonTimed = statsOf(timed(opts.rounds, jsonOps), 0);

  // Baseline 2: validateAnswer alone, on the answers the script validates (one per validator kind in the flow).
  const choices = [
    { id: 'hours', label: 'Opening hours' },
    { id: 'order_status', label: 'Order status' },
    { id: 'callback', label: 'Call me back' },
    { id: 'human', label: 'Talk to a human' },
  ];
  const validations: { kind: string; validator: AnswerValidator; input: string; context?: ValidationContext }[] = [
    { kind: 'regex', validator: { type: 'regex', pattern: '^[0-9]{4,10}$' }, input: '123456' },
    { kind: 'text', validator: { type: 'text', maxLength: 100 }, input: 'Alice' },
    { kind: 'email', validator: { type: 'email' }, input: 'alice@example.com' },
    { kind: 'phone', validator: { type: 'phone', defaultCountry: 'CZ' }, input: '+420 601 123 456' },
    { kind: 'choice', validator: { type: 'choice' }, input: 'Call me back', context: { choices } },
  ];
  for (const v of validations)
    if (!validateAnswer(v.validator, v.input, v.context).ok) throw new Error(`baseline: ${v.kind} answer "${v.input}" does not validate`);
  const validateOps = validations.map((v) => () => {
    sink += validateAnswer(v.validator, v.input, v.context).ok ? 1 : 0;
  });
  const validateRound = () => {
    for (const op of validateOps) op();
  };
  for (let i = 0; i < 3000; i++) validateRound();
  const validateSamples = timed(opts.rounds, validateOps);
  const validateTimed = statsOf(validateSamples, 0);
  const validateByKind = validations.map((v, vi) => {
    const mine: number[] = [];
    for (let i = vi; i < validateSamples.length; i += validations.length) mine.push(validateSamples[i]!);
    return { kind: v.kind, ...statsOf(mine, 0) };
  });

  // Throughput, interleaved: engine steps, then the baselines, in turns.
  const { rates, pairedRatios } = interleavedRates([
    { round, ops: stepsPerRound },
    { round: jsonRound, ops: jsonOps.length },
    { round: validateRound, ops: validateOps.length },
  ]);
  const steps: Stats = { ...stepsTimed, opsPerSec: rates[0]! };
  const json: Stats = { ...jsonTimed, opsPerSec: rates[1]! };
  const validate: Stats = { ...validateTimed, opsPerSec: rates[2]! };
  const conversationsPerSec = steps.opsPerSec / (stepsPerRound / conversations.length);
  /** How many times the baseline op one engine step costs: by throughput (paired runs) and by median latency. */
  const ratios = {
    stepVsJsonRoundTrip: { throughput: pairedRatios[1]!, p50: steps.p50Us / json.p50Us },
    stepVsValidateAnswer: { throughput: pairedRatios[2]!, p50: steps.p50Us / validate.p50Us },
  };

  // The FlowResponder per turn (what the hub's router calls), http faked.
  const responderRound = async () => {
    for (const c of turns.conversations) sink += await playTurns(turns.responder, c.turns);
  };
  for (let i = 0; i < 2000; i++) await responderRound();
  const responderSamples: number[] = [];
  for (let r = 0; r < opts.rounds; r++) for (const c of turns.conversations) sink += await playTurns(turns.responder, c.turns, responderSamples);
  const t0 = performance.now();
  let responderRounds = 0;
  while (performance.now() - t0 < opts.seconds * 1000 * 3) {
    await responderRound();
    responderRounds++;
  }
  const responder = statsOf(responderSamples, (responderRounds * turnsPerRound) / ((performance.now() - t0) / 1000));

  // Heap growth: three measurements after warm-up; a leak shows as steady growth in each.
  const heap = [heapGrowthPer10k(opts.heapConversations), heapGrowthPer10k(opts.heapConversations), heapGrowthPer10k(opts.heapConversations)];

  // ---- report
  const fmt = (n: number, digits = 2) => n.toFixed(digits);
  const rate = (n: number) => (n ? Math.round(n).toLocaleString('en-US') : '');
  const row = (name: string, s: Stats) => [name, String(s.ops), rate(s.opsPerSec), fmt(s.meanUs), fmt(s.p50Us), fmt(s.p99Us)];
  console.log();
  printRows([
    ['measured', 'samples', 'ops/s', 'mean µs', 'p50 µs', 'p99 µs'],
    row('engine step (startFlow/step)', steps),
    row('baseline: state JSON round trip', json),
    row('baseline: validateAnswer', validate),
    row('FlowResponder.respond turn', responder),
    row('  same, cold (turns 101-1,100)', cold),
    row('(timer overhead per sample)', overhead),
  ]);
  console.log(
    `engine: ${rate(steps.opsPerSec)} steps/s = ${rate(conversationsPerSec)} conversations/s (${fmt(stepsPerRound / conversations.length, 1)} steps each), one core`,
  );
  console.log(
    `ratio engine step / state JSON round trip: ${fmt(ratios.stepVsJsonRoundTrip.throughput)}x by throughput (median of 5 paired runs), ${fmt(ratios.stepVsJsonRoundTrip.p50)}x by p50`,
  );
  console.log(
    `ratio engine step / validateAnswer: ${fmt(ratios.stepVsValidateAnswer.throughput)}x by throughput, ${fmt(ratios.stepVsValidateAnswer.p50)}x by p50`,
  );
  console.log(
    `ratio FlowResponder turn / engine step: ${fmt(steps.opsPerSec / responder.opsPerSec)}x by throughput, ${fmt(responder.p50Us / steps.p50Us)}x by p50 (a turn with an http node is two steps)`,
  );
  console.log(
    `(means include GC pauses that land in a sample, so they vary run to run more than p50 and throughput; load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')})`,
  );
  console.log(
    `heap growth per 10k conversations (after GC, ${opts.heapConversations} conversations each): ${heap.map((b) => `${fmt(b / 1024, 1)} KiB`).join(', ')}`,
  );

  console.log();
  printRows([
    ['engine step by kind', 'samples', 'mean µs', 'p50 µs', 'p99 µs'],
    ...[...byLabel].sort((a, b) => b.meanUs - a.meanUs).map((l) => [l.label, String(l.ops), fmt(l.meanUs), fmt(l.p50Us), fmt(l.p99Us)]),
  ]);
  console.log();
  printRows([
    ['validateAnswer by kind', 'samples', 'mean µs', 'p50 µs', 'p99 µs'],
    ...validateByKind.map((v) => [v.kind, String(v.ops), fmt(v.meanUs), fmt(v.p50Us), fmt(v.p99Us)]),
  ]);

  const file = writeResults(
    {
      at: new Date().toISOString(),
      options: opts,
      environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, loadAverageAtStart: loadAtStart },
      flow: { id: shop.id, version: shop.version, file: shop.file },
      script: {
        conversations: conversations.map((c) => ({ name: c.name, steps: c.steps.map((s) => s.label) })),
        stepsPerRound,
        stateBytes: { min: Math.min(...stateBytes), max: Math.max(...stateBytes) },
      },
      engine: { ...steps, conversationsPerSec, byKind: byLabel },
      baselines: { stateJsonRoundTrip: json, validateAnswer: { ...validate, byKind: validateByKind } },
      flowResponderTurn: { ...responder, turnsPerRound, cold: { ...cold, turns: '101-1100 of the process, before warm-up' } },
      ratios: { ...ratios, responderTurnVsStep: { throughput: steps.opsPerSec / responder.opsPerSec, p50: responder.p50Us / steps.p50Us } },
      heapGrowthBytesPer10kConversations: heap,
      timerOverheadUs: { mean: overhead.meanUs, p50: overhead.p50Us },
      sink,
    },
    'engine',
  );
  console.log(`\nresults: ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('engine bench failed:', err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
