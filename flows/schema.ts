import { z } from 'zod';
import { answerValidatorSchema } from './validators.js';

/**
 * The flow language, as written in `config/flows/*.yaml`. A flow is a graph of
 * named nodes; each node is exactly one kind, named by its key (`say`, `ask`, …).
 */

const nodeId = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'expected a node name of letters, digits, "_" or "-"');
const varName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'expected a variable name of letters, digits or "_"');

/** A text, or the same text per language: `{ en: "Hi", cs: "Ahoj" }`. */
export const textSchema = z.union([z.string().min(1).max(4096), z.record(z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'expected a language code like "en" or "pt-BR"'), z.string().min(1).max(4096))]);
export type Text = z.infer<typeof textSchema>;

const choiceSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a choice id of letters, digits, "_" or "-"'),
  label: textSchema,
  next: nodeId,
});

const conditionSchema = z.strictObject({
  var: z.string().min(1),
  equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  in: z.array(z.union([z.string(), z.number()])).optional(),
  exists: z.boolean().optional(),
  gt: z.number().optional(),
  lt: z.number().optional(),
});

export const nodeSchemas = {
  say: z.strictObject({
    say: textSchema,
    choices: z.array(choiceSchema).min(1).max(20).optional(),
    /** Shown when the answer matches no choice; the choices are shown again. */
    retry: textSchema.optional(),
    next: nodeId.optional(),
  }),
  ask: z.strictObject({
    ask: textSchema,
    var: varName,
    validate: answerValidatorSchema.prefault({ type: 'text' }),
    retry: textSchema.optional(),
    maxRetries: z.number().int().min(0).max(10).default(2),
    /** Where to go when the retries are used up; without it the question is asked again. */
    fallback: nodeId.optional(),
    next: nodeId,
  }),
  branch: z.strictObject({
    branch: z.array(z.strictObject({ when: conditionSchema, next: nodeId })).min(1),
    else: nodeId,
  }),
  set: z.strictObject({
    set: z.record(varName, z.union([z.string(), z.number(), z.boolean()])),
    next: nodeId,
  }),
  handoff: z.strictObject({
    handoff: z.strictObject({ team: z.string().min(1).max(64).optional(), message: textSchema }),
  }),
  goto: z.strictObject({
    goto: z.union([nodeId, z.strictObject({ flow: z.string().min(1), node: nodeId.optional() })]),
  }),
  end: z.strictObject({
    end: z.union([textSchema, z.null()]),
  }),
} as const;

export type NodeKind = keyof typeof nodeSchemas;
export const nodeKinds = Object.keys(nodeSchemas) as NodeKind[];
export type FlowNode = { [K in NodeKind]: z.infer<(typeof nodeSchemas)[K]> & { kind: K } }[NodeKind];
export type Condition = z.infer<typeof conditionSchema>;

/** The parts of a flow file other than its nodes (validated first, nodes one by one after). */
export const flowHeaderSchema = z.strictObject({
  flow: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lowercase flow id'),
  start: nodeId,
  /** The language used when the contact's locale has no text of its own. */
  locale: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/).default('en'),
  /**
   * Words that work from any node: a node to jump to (e.g. `agent: to_agent`), `@restart`
   * (start over) or `@stop` (opt out of marketing).
   */
  intents: z.record(z.string().min(1).max(64), z.union([nodeId, z.literal('@restart'), z.literal('@stop')])).default({}),
  nodes: z.record(nodeId, z.unknown()),
});

export interface Flow {
  id: string;
  /** Content hash: a running conversation stays on the version it started with. */
  version: string;
  file: string;
  start: string;
  locale: string;
  /** Lower-cased word → node name, `@restart` or `@stop`. */
  intents: Record<string, string>;
  nodes: Map<string, FlowNode>;
}
