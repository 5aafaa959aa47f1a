import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z, type ZodType } from 'zod';

/** Who may call a route (the admin router checks; the description says). */
export type Audience = 'public' | 'any' | 'agent' | 'admin';

/** One route of the HTTP API: its description in /api/openapi.json and the schema its input is checked against. */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Full path, express style: `/api/conversations/:id/take`. */
  path: string;
  summary: string;
  audience: Audience;
  body?: ZodType;
  query?: z.ZodObject;
  response: ZodType;
  /** The success status, when it is not 200 (202: accepted, done later or best effort). */
  status?: 202;
  /** Other answers worth naming (409 confirmation, 404, …), each `{error, message}`. */
  errors?: Record<number, string>;
  /** A CSV alternative to the JSON answer (`?format=csv`). */
  csv?: boolean;
}

/** What every error answer looks like: a code and a message that says what to fix. */
export const errorBody = z.object({ error: z.string(), message: z.string() });

/** The routes described so far, in the order they were added. */
export class ApiDescription {
  readonly routes: RouteSpec[] = [];

  /**
   * Describes a route and returns the middleware that checks its input: a body or query that
   * does not match answers 400 `bad_request` with the schema's message, before the handler runs.
   */
  route(spec: RouteSpec): RequestHandler {
    this.routes.push(spec);
    return (req: Request, res: Response, next: NextFunction) => {
      for (const [part, schema] of [
        ['body', spec.body],
        ['query', spec.query],
      ] as const) {
        if (!schema) continue;
        const parsed = schema.safeParse(part === 'body' ? (req.body ?? {}) : req.query);
        if (!parsed.success) {
          res.status(400).json({ error: 'bad_request', message: describeIssues(parsed.error) });
          return;
        }
        if (part === 'body') req.body = parsed.data;
      }
      next();
    };
  }
}

/** `"text": expected …` per issue: the field and what was expected, as the config loader says it. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `"${i.path.join('.')}": ${i.message}` : i.message)).join('; ');
}

/** The OpenAPI 3.1 document of the described routes (JSON Schema 2020-12, which 3.1 uses, from zod). */
export function openApiDocument(api: ApiDescription, info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schema = (s: ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  for (const spec of api.routes) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const params = [...spec.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = spec.query
      ? Object.entries(spec.query.shape).map(([name, s]) => ({
          name,
          in: 'query',
          required: !(s as ZodType).safeParse(undefined).success,
          schema: schema(s as ZodType, 'input'),
        }))
      : [];
    const errors = Object.fromEntries(
      Object.entries({
        ...(spec.audience === 'public' ? {} : { 401: 'not signed in, or no valid API key', 403: 'not allowed for this role or origin' }),
        ...spec.errors,
      }).map(([status, description]) => [status, { description, content: { 'application/json': { schema: schema(errorBody, 'output') } } }]),
    );
    (paths[path] ??= {})[spec.method] = {
      summary: spec.summary,
      'x-audience': spec.audience,
      ...(spec.audience === 'public' ? { security: [] } : {}),
      ...(params.length || query.length ? { parameters: [...params, ...query] } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(spec.body, 'input') } } } } : {}),
      responses: {
        [spec.status ?? 200]: {
          description: spec.status === 202 ? 'accepted' : 'done',
          content: {
            'application/json': { schema: schema(spec.response, 'output') },
            ...(spec.csv ? { 'text/csv': { schema: { type: 'string' } } } : {}),
          },
        },
        ...(spec.body || spec.query
          ? { 400: { description: 'the input does not match', content: { 'application/json': { schema: schema(errorBody, 'output') } } } }
          : {}),
        ...errors,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Switchboard admin API', version: info.version, description: 'The API the agent console and scripts use; see docs/console-api.md.' },
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: "a workspace's API key (apiKeys in the config), with scopes: read (GET), write (other methods), privacy (/api/privacy, /api/audit)",
        },
        session: { type: 'apiKey', in: 'cookie', name: 'sb_session', description: "an agent's console session (POST /console/api/sign-in)" },
      },
    },
    security: [{ apiKey: [] }, { session: [] }],
    paths,
  };
}
