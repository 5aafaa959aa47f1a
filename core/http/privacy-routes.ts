import express, { Router, type Request, type Response } from 'express';
import { IdentifierError } from '../privacy/identifier.js';
import { ErasureBusyError } from '../privacy/erase.js';
import { PrivacyInputError, type PrivacyOperations } from '../privacy/operations.js';
import { RequestError } from '../privacy/requests.js';
import { SubjectNotFoundError } from '../privacy/subject.js';
import { requestKinds, type RequestKind } from '../store/privacy-request.js';
import { routes } from './api/routes.js';

type Handler = (req: Request, res: Response, ctx: { workspace: string; actor: string; identifier: string }) => Promise<unknown>;

/** Maps the privacy operations' errors to their status: the message always says what to fix. */
function failure(res: Response, err: unknown): void {
  const [status, code] =
    err instanceof SubjectNotFoundError
      ? [404, 'not_found']
      : err instanceof ErasureBusyError
        ? [409, 'busy']
        : err instanceof IdentifierError || err instanceof PrivacyInputError || err instanceof RequestError
          ? [400, 'bad_request']
          : [0, ''];
  if (!status) throw err;
  res.status(status).json({ error: code, message: (err as Error).message });
}

/**
 * `/api/privacy/…` and `/api/audit`: data-subject requests for the key's workspace, the same
 * operations as `switchboard privacy …`. Each takes `{"identifier": "email:ada@example.com"}`;
 * one that changes something also needs `"confirm": true`, and without it answers 409 with what
 * it would do (each identity and what it holds).
 *   POST /api/privacy/find | export | consents
 *   POST /api/privacy/erase | restrict | unrestrict | object      {identifier, confirm}
 *   POST /api/privacy/rectify                                    {identifier, set: {name, email, phone, locale, "lead.<field>"}, confirm}
 *   GET  /api/privacy/requests[?overdue=1]
 *   POST /api/privacy/requests                                   {kind, identifier, receivedAt?}  log a request received
 *   POST /api/privacy/requests/:id/extend                        {reason}
 *   GET  /api/audit[?since=DATE&limit=N]
 * `res.locals.workspace` and `res.locals.actor` come from the admin router's authentication.
 */
export function privacyRouter(privacy: PrivacyOperations): Router {
  const router = Router();
  router.use(express.json({ limit: '64kb' }));
  const route =
    (handler: Handler, changes = false) =>
    async (req: Request, res: Response) => {
      const workspace = res.locals.workspace as string;
      const actor = res.locals.actor as string;
      const identifier = typeof req.body?.identifier === 'string' ? req.body.identifier : '';
      try {
        if (!identifier && req.method === 'POST' && !req.params.id) {
          throw new PrivacyInputError('expected {"identifier": "email:…" | "phone:…" | "<channel>:<account>:<user id>" | "visitor:…"}');
        }
        if (changes && req.body?.confirm !== true) {
          const subject = await privacy.find(workspace, identifier, actor);
          res.status(409).json({
            error: 'confirmation_required',
            message: 'this changes data: send the same request with "confirm": true',
            identities: await privacy.summarise(subject),
          });
          return;
        }
        res.json(await handler(req, res, { workspace, actor, identifier }));
      } catch (err) {
        failure(res, err);
      }
    };

  router.post(
    '/privacy/find',
    routes.find,
    route(async (_req, _res, { workspace, actor, identifier }) => ({ identities: await privacy.summarise(await privacy.find(workspace, identifier, actor)) })),
  );
  router.post(
    '/privacy/export',
    routes.export,
    route(async (_req, res, { workspace, actor, identifier }) => {
      res.attachment('export.json');
      return privacy.export(workspace, identifier, actor);
    }),
  );
  router.post(
    '/privacy/consents',
    routes.consents,
    route(async (_req, _res, { workspace, actor, identifier }) => ({ identities: await privacy.consents(workspace, identifier, actor) })),
  );
  router.post(
    '/privacy/erase',
    routes.erase,
    route((_req, _res, { workspace, actor, identifier }) => privacy.erase(workspace, identifier, actor), true),
  );
  router.post(
    '/privacy/restrict',
    routes.restrict,
    route((_req, _res, { workspace, actor, identifier }) => privacy.restrict(workspace, identifier, actor, true), true),
  );
  router.post(
    '/privacy/unrestrict',
    routes.unrestrict,
    route((_req, _res, { workspace, actor, identifier }) => privacy.restrict(workspace, identifier, actor, false), true),
  );
  router.post(
    '/privacy/object',
    routes.object,
    route((_req, _res, { workspace, actor, identifier }) => privacy.object(workspace, identifier, actor), true),
  );
  router.post(
    '/privacy/rectify',
    routes.rectify,
    route(async (req, _res, { workspace, actor, identifier }) => {
      const set = req.body?.set;
      if (!set || typeof set !== 'object' || Object.values(set).some((v) => typeof v !== 'string')) {
        throw new PrivacyInputError('expected "set": {"name": "…", "email": "…", "lead.<field>": "…"} with text values');
      }
      return privacy.rectify(workspace, identifier, set as Record<string, string>, actor);
    }, true),
  );
  router.get(
    '/privacy/requests',
    routes.requests,
    route(async (req, _res, { workspace }) => ({
      requests: await privacy.requests(workspace, { overdue: req.query.overdue === '1' || req.query.overdue === 'true' }),
    })),
  );
  router.post(
    '/privacy/requests',
    routes.logRequest,
    route(async (req, _res, { workspace, actor, identifier }) => {
      const kind = req.body?.kind as RequestKind;
      if (!requestKinds.includes(kind)) throw new PrivacyInputError(`"kind": expected one of ${requestKinds.join(', ')}`);
      const receivedAt = req.body?.receivedAt === undefined ? undefined : new Date(String(req.body.receivedAt));
      if (receivedAt && Number.isNaN(receivedAt.getTime())) throw new PrivacyInputError('"receivedAt": expected a date such as 2027-03-01');
      return { id: await privacy.log(workspace, kind, identifier, actor, receivedAt) };
    }),
  );
  router.post(
    '/privacy/requests/:id/extend',
    routes.extend,
    route(async (req, _res, { workspace, actor }) => ({
      until: await privacy.extend(workspace, String(req.params.id), typeof req.body?.reason === 'string' ? req.body.reason : '', actor),
    })),
  );
  router.get(
    '/audit',
    routes.audit,
    route(async (req, _res, { workspace }) => {
      const since = req.query.since ? new Date(String(req.query.since)) : undefined;
      if (since && Number.isNaN(since.getTime())) throw new PrivacyInputError('"since": expected a date such as 2027-03-01');
      return { entries: await privacy.audit(workspace, { ...(since ? { since } : {}), limit: Math.min(Math.max(Number(req.query.limit) || 200, 1), 5000) }) };
    }),
  );
  return router;
}
