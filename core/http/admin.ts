import { createHash } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { agentReply, resumeBot, takeConversation } from '../agents/takeover.js';
import type { Queues } from '../queue/queues.js';
import type { Config } from '../config/schema.js';
import { close, handBack } from '../conversations.js';
import { leadsToCsv, listLeads } from '../leads.js';
import type { PrivacyOperations } from '../privacy/operations.js';
import { safeEqual } from '../secure-compare.js';
import { privacyRouter } from './privacy-routes.js';
import { sameOrigin, sessionToken } from './console-auth.js';
import type { SignIn } from '../agents/sign-in.js';
import { answer, asAgent, textOf } from './conversation-handlers.js';
import { inboxRouter } from './inbox-routes.js';

/**
 * The workspace whose API key is in `Authorization: Bearer <key>`, compared in constant time
 * against every configured key (see {@link safeEqual}: lengths never leak), and the key's id for
 * the audit log: `key:` and the start of its SHA-256, never the key.
 */
function keyOf(config: Config, header: string | undefined): { workspace: string; actor: string } | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const given = match[1]!;
  let found: string | undefined;
  for (const ws of config.workspaces) for (const key of ws.apiKeys) if (safeEqual(given, key)) found = ws.id;
  return found ? { workspace: found, actor: `key:${createHash('sha256').update(given).digest('hex').slice(0, 12)}` } : undefined;
}

/**
 * `/api/…`: the admin API, each request scoped to the workspace of its key, or of the agent whose
 * console session cookie it carries (role `agent` may not use the privacy routes).
 *   POST /api/conversations/:id/take       an agent takes it: the bot falls silent, its undelivered replies are dropped
 *   POST /api/conversations/:id/messages   {text, id?} the agent who took it answers
 *   POST /api/conversations/:id/handback   give a handed-off conversation back to the bot ({mode: resume} picks up where it handed off)
 *   POST /api/conversations/:id/close      close it
 *   /api/conversations…                     the console's inbox, a conversation, notes, read, reopen (inbox-routes.ts)
 *   GET  /api/leads[?format=csv&limit=N]   the workspace's leads, newest first
 *   /api/privacy/…, /api/audit              data-subject requests and the audit log (privacy-routes.ts)
 */
export function adminRouter(config: Config, options: { privacy: PrivacyOperations; signIn: SignIn; queues: Queues }): Router {
  const router = Router();
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const key = req.headers.authorization ? keyOf(config, req.headers.authorization) : undefined;
    if (key) {
      Object.assign(res.locals, { workspace: key.workspace, actor: key.actor, role: 'owner' });
      return next();
    }
    // An agent's console session: the cookie rides along with any page's request, so changes must come from the hub's own pages.
    const session = req.headers.authorization ? undefined : await options.signIn.session(sessionToken(req));
    if (session) {
      if (!['GET', 'HEAD'].includes(req.method) && !sameOrigin(req)) {
        res.status(403).json({ error: 'forbidden', message: 'cross-origin request refused' });
        return;
      }
      Object.assign(res.locals, { workspace: session.workspace, actor: `agent:${session.agent}`, role: session.role, session });
      return next();
    }
    res.status(401).set('www-authenticate', 'Bearer').json({ error: 'unauthorized', message: 'missing or invalid API key or session' });
  });

  const action = (run: typeof close, status: string) =>
    answer(async (req, caller) => {
      await run({ workspace: caller.workspace, id: String(req.params.id), queues: options.queues, actor: caller.actor });
      return { id: req.params.id, status };
    });
  router.post(
    '/conversations/:id/take',
    asAgent((session, req) =>
      takeConversation(options.queues, { agent: session, id: String(req.params.id), workspace: config.workspaces.find((w) => w.id === session.workspace)! }),
    ),
  );
  router.post(
    '/conversations/:id/messages',
    express.json({ limit: '16kb' }),
    asAgent((session, req) => {
      const clientId = typeof req.body?.id === 'string' ? req.body.id.slice(0, 100) : undefined;
      return agentReply(options.queues, { agent: session, id: String(req.params.id), text: textOf(req.body), ...(clientId ? { clientId } : {}) });
    }),
  );
  // `{"mode": "resume"}`: the bot picks up where it handed off; otherwise (`restart`) its flow starts afresh at the next message.
  router.post('/conversations/:id/handback', express.json({ limit: '1kb' }), (req: Request, res: Response, next: NextFunction) => {
    if (req.body?.mode !== 'resume') return action(handBack, 'bot')(req, res, next);
    return answer(async (req, caller) => {
      await resumeBot(options.queues, { workspace: caller.workspace, id: String(req.params.id), actor: caller.actor });
      return { id: req.params.id, status: 'bot', mode: 'resume' };
    })(req, res, next);
  });
  router.post('/conversations/:id/close', action(close, 'closed'));
  router.use('/conversations', inboxRouter(options.queues));

  router.get('/leads', async (req: Request, res: Response) => {
    const limit = Math.min(Math.max(Number(req.query.limit) || 1000, 1), 10_000);
    const leads = await listLeads(res.locals.workspace as string, { limit });
    if (req.query.format === 'csv') {
      res.type('text/csv').attachment('leads.csv').send(leadsToCsv(leads));
      return;
    }
    res.json({ leads });
  });
  // Data-subject requests and the audit log: admins and owners (and API keys), not agents.
  router.use(['/privacy', '/audit'], (_req: Request, res: Response, next: NextFunction) => {
    if (res.locals.role === 'agent') {
      res.status(403).json({ error: 'forbidden', message: 'this needs the admin role' });
      return;
    }
    next();
  });
  router.use(privacyRouter(options.privacy));
  return router;
}
