import { z } from 'zod';
import { answerValidatorSchema } from './validators.js';

/**
 * The flow language, as written in `config/flows/*.yaml`. A flow is a graph of
 * named nodes; each node is exactly one kind, named by its key (`say`, `ask`, …).
 */

const nodeId = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'expected a node name of letters, digits, "_" or "-"');
const varName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'expected a variable name of letters, digits or "_"');

/** A text, or the same text per language: `{ en: "Hi", cs: "Ahoj" }`. */
const textSchema = z.union([
  z.string().min(1).max(4096),
  z.record(z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'expected a language code like "en" or "pt-BR"'), z.string().min(1).max(4096)),
]);
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

const optionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected an option id of letters, digits, "_" or "-"'),
  label: textSchema,
});

/**
 * One question of a form. Its `type` and that type's options (`pattern`, `defaultCountry`,
 * `min`, …) are written flat on the field, like `{ name: phone, type: phone, defaultCountry: CZ }`,
 * and checked by the answer validators' own schema, so forms and `ask` nodes accept the same.
 */
const formFieldSchema = z
  .looseObject({
    name: varName,
    label: textSchema,
    /** Fields are optional unless required; an optional one is skipped with one of the form's `skip` words. */
    required: z.boolean().default(false),
    retry: textSchema.optional(),
    /** The answers of a `choice` field. */
    options: z.array(optionSchema).min(1).max(20).optional(),
  })
  .transform((field, ctx) => {
    const { name, label, required, retry, options, ...rest } = field;
    const validate = answerValidatorSchema.safeParse({ type: 'text', ...rest });
    if (!validate.success) {
      // Passed on whole (paths are relative to the field), so unknown keys are still reported at the key.
      for (const issue of validate.error.issues) ctx.issues.push(issue as z.core.$ZodRawIssue);
      return z.NEVER;
    }
    if ((validate.data.type === 'choice') !== (options !== undefined)) {
      ctx.issues.push({
        code: 'custom',
        path: ['options'],
        input: field,
        message: options ? 'options are only for a field of type choice' : 'a choice field needs options',
      });
      return z.NEVER;
    }
    return { name, label, required, ...(retry ? { retry } : {}), ...(options ? { options } : {}), validate: validate.data };
  });

const formSchema = z
  .strictObject({
    /** Stored with each lead, to tell forms apart. */
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a form id of letters, digits, "_" or "-"'),
    /** Said before the first question. */
    title: textSchema.optional(),
    fields: z.array(formFieldSchema).min(1).max(30),
    /** A yes/no question after the fields; there is no default answer, so it is never pre-ticked. */
    consent: z
      .strictObject({
        label: textSchema,
        purpose: z
          .string()
          .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'expected a lowercase purpose like "marketing"')
          .default('marketing'),
      })
      .optional(),
    /** Said once the form is complete; it can use the field names as variables. */
    submitted: textSchema.optional(),
    /** Answers that skip an optional field (compared trimmed, case-insensitively); never an answer themselves. */
    skip: z.array(z.string().trim().min(1).max(64)).min(1).default(['skip', '-']),
  })
  .superRefine((form, ctx) => {
    const seen = new Set<string>();
    form.fields.forEach((f, i) => {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'name'], message: `field "${f.name}" is already in this form` });
      seen.add(f.name);
    });
  });

/** A header name as HTTP allows it (RFC 9110 token). */
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'expected a header name');

const httpSchema = z
  .strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    /**
     * The scheme, host and port are written out, so no variable can pick them (a value like
     * `27.0.0.1` after a literal `1` would otherwise make the host 127.0.0.1); values go into the
     * path and query only, URL-encoded.
     */
    url: z
      .string()
      .max(2048)
      .regex(/^https?:\/\/[^\s/?#{}\\]+(?:[/?#]|$)/i, 'expected an http:// or https:// URL whose host and port are written out ({{ }} only after the host)'),
    headers: z.record(headerName, z.string().max(4096)).default({}),
    /** A JSON body; each substituted value becomes one JSON literal. */
    body: z.string().min(1).max(16384).optional(),
    timeoutMs: z.number().int().min(1).max(30_000).default(5000),
    /** The largest response body read; a bigger one is an error. */
    maxBytes: z.number().int().min(1).max(1_048_576).default(65_536),
  })
  // fetch refuses a GET with a body; say so when the flow loads rather than on every call.
  .refine((h) => h.method !== 'GET' || h.body === undefined, { message: 'a GET request cannot have a body', path: ['body'] });

/** `90s`, `10m`, `24h`, `7d` → milliseconds. */
const durationSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,5}(s|m|h|d)$/, 'expected a duration like "90s", "10m", "24h" or "7d"')
  .transform((d) => Number(d.slice(0, -1)) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[d.at(-1) as 's' | 'm' | 'h' | 'd']);

/**
 * What happens when the contact goes quiet on a question: a reminder after a
 * while, and the conversation closed after longer. On a node, or for the whole
 * flow (a node's own `idle` wins).
 */
const idleSchema = z.strictObject({
  remind: z.strictObject({ after: durationSchema, text: textSchema }).optional(),
  close: z.strictObject({ after: durationSchema, text: textSchema.optional() }).optional(),
});
export type Idle = z.infer<typeof idleSchema>;

export const nodeSchemas = {
  say: z.strictObject({
    say: textSchema,
    choices: z.array(choiceSchema).min(1).max(20).optional(),
    /** Shown when the answer matches no choice; the choices are shown again. */
    retry: textSchema.optional(),
    next: nodeId.optional(),
    idle: idleSchema.optional(),
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
    idle: idleSchema.optional(),
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
    handoff: z.strictObject({
      team: z.string().min(1).max(64).optional(),
      message: textSchema,
      /** Where the bot picks up when an agent hands the conversation back with `resume`; without it, the next message starts the flow afresh. */
      next: nodeId.optional(),
    }),
  }),
  /**
   * E-mails the contact the conversation, to the address a variable holds (ask for it with an
   * `ask` node validated as `email`, and confirm it with a `say` and choices first), then says
   * `say` and goes on to `next`. The business is its `Reply-To`; agents appear by display name.
   */
  transcript: z.strictObject({
    transcript: z.strictObject({ to: varName, say: textSchema.optional() }),
    next: nodeId.optional(),
  }),
  goto: z.strictObject({
    goto: z.union([nodeId, z.strictObject({ flow: z.string().min(1), node: nodeId.optional() })]),
  }),
  end: z.strictObject({
    end: z.union([textSchema, z.null()]),
  }),
  /** A lead form, asked one field per message; completes with a `lead` action. */
  form: z.strictObject({
    form: formSchema,
    next: nodeId,
    idle: idleSchema.optional(),
  }),
  /** A call to a business API, performed by the caller; the engine itself does no I/O. */
  http: z.strictObject({
    http: httpSchema,
    /** Gets the parsed JSON response, or `{ error }` on failure. */
    var: varName,
    next: nodeId,
    /** Where to go on a timeout, network error, non-2xx, oversized or non-JSON response. */
    onError: nodeId,
  }),
} as const;

export type NodeKind = keyof typeof nodeSchemas;
export const nodeKinds = Object.keys(nodeSchemas) as NodeKind[];
export type FlowNode = { [K in NodeKind]: z.infer<(typeof nodeSchemas)[K]> & { kind: K } }[NodeKind];
export type Condition = z.infer<typeof conditionSchema>;
/** A parsed `form` node (see flows/form-and-http.md). */
export type FormNode = Extract<FlowNode, { kind: 'form' }>;
/** One parsed form field: its validator gathered under `validate`, as on an `ask` node. */
export type FormField = FormNode['form']['fields'][number];
/** A parsed `http` node, with its defaults filled in. */
export type HttpNode = Extract<FlowNode, { kind: 'http' }>;

/** The parts of a flow file other than its nodes (validated first, nodes one by one after). */
export const flowHeaderSchema = z.strictObject({
  flow: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lowercase flow id'),
  start: nodeId,
  /** The language used when the contact's locale has no text of its own. */
  locale: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/)
    .default('en'),
  /**
   * Words that work from any node: a node to jump to (e.g. `agent: to_agent`), `@restart`
   * (start over) or `@stop` (opt out of marketing).
   */
  intents: z.record(z.string().min(1).max(64), z.union([nodeId, z.literal('@restart'), z.literal('@stop')])).default({}),
  /** Idle timeouts of every question that has none of its own. */
  idle: idleSchema.optional(),
  nodes: z.record(nodeId, z.unknown()),
});

export interface Flow {
  id: string;
  /** Content hash: a running conversation stays on the version it started with. */
  version: string;
  file: string;
  /** The file's text this version was parsed from (stored, so the version outlives the file). */
  source: string;
  start: string;
  locale: string;
  /** Lower-cased word → node name, `@restart` or `@stop`. */
  intents: Record<string, string>;
  idle?: Idle;
  nodes: Map<string, FlowNode>;
}
