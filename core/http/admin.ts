import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { agentReply, resumeBot, takeConversation } from '../agents/takeover.js';
import type { Queues } from '../queue/queues.js';
import type { Config } from '../config/schema.js';
import { close, handBack } from '../conversations.js';
import { leadsToCsv, listLeads } from '../leads.js';
import type { PrivacyOperations } from '../privacy/operations.js';
import { addressGroup } from './client-address.js';
import { scopeFor, type ApiKeys } from './api-keys.js';
import { privacyRouter } from './privacy-routes.js';
import { sameOrigin, sessionToken } from './console-auth.js';
import type { SignIn } from '../agents/sign-in.js';
import { answer, asAgent, textOf } from './conversation-handlers.js';
import { inboxRouter } from './inbox-routes.js';
import { emitEvents } from '../pipeline/event-webhook.js';
import { audit } from '../privacy/audit.js';
import { agentRouter } from './agent-routes.js';
import { channelRouter } from './channel-routes.js';
import { transferConversation } from '../agents/transfer.js';
import { listCannedReplies, removeCannedReply, saveCannedReply } from '../agents/canned-replies.js';
import { cannedShortcut } from '../store/canned-reply.js';
import { openApiDocument } from './api/describe.js';
import { api, routes } from './api/routes.js';
import { hubVersion } from '../version.js';
import { latestEmails, queueEmails } from '../email/queue-email.js';
import { agentTyping, type AgentTypingDeps } from '../typing/agent-typing.js';

/**
 * Who is calling: a workspace's API key (role `owner`, limited to the key's scopes, see
 * {@link scopeFor}) or an agent's console session, whose state changes must come from the hub's
 * own origin. Sets `res.locals` workspace, actor, role (and session), or answers 401; 429 once
 * the caller's address sent too many wrong keys; 403 for a key without the scope.
 */
export function authenticate(options: { signIn: SignIn; keys: ApiKeys }): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.headers.authorization) {
      const key = await options.keys.check(req.headers.authorization, addressGroup(req.ip ?? 'unknown'));
      if (key.ok) {
        const needed = scopeFor(req.method, req.path);
        if (!key.scopes.includes(needed)) {
          res.status(403).json({ error: 'forbidden', message: `this API key lacks the "${needed}" scope` });
          return;
        }
        Object.assign(res.locals, { workspace: key.workspace, actor: key.actor, role: 'owner' });
        return next();
      }
      if (key.reason === 'limited') {
        res
          .status(429)
          .set('retry-after', String(key.retryAfterSeconds))
          .json({ error: 'too_many_requests', message: 'too many wrong API keys from this address; try again later' });
        return;
      }
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
  };
}

/** Lets admins and owners (and API keys) through; agents get 403. */
export const requireAdmin: RequestHandler = (_req: Request, res: Response, next: NextFunction) => {
  if (res.locals.role === 'agent') {
    res.status(403).json({ error: 'forbidden', message: 'this needs the admin role' });
    return;
  }
  next();
};

/**
 * `/api/…`: the admin API, each request scoped to the workspace of its key, or of the agent whose
 * console session cookie it carries (role `agent` may not use the privacy routes).
 *   POST /api/conversations/:id/take       an agent takes it: the bot falls silent, its undelivered replies are dropped
 *   POST /api/conversations/:id/messages   {text, id?} the agent who took it answers
 *   POST /api/conversations/:id/typing     the agent who took it is typing (throttled, best effort)
 *   POST /api/conversations/:id/handback   give a handed-off conversation back to the bot ({mode: resume} picks up where it handed off)
 *   POST /api/conversations/:id/close      close it
 *   /api/conversations…                     the console's inbox, a conversation, notes, read, reopen (inbox-routes.ts)
 *   /api/agents…, /api/presence              colleagues, their teams and capacity, the console's heartbeat (agent-routes.ts)
 *   GET  /api/leads[?format=csv&limit=N]   the workspace's leads, newest first
 *   /api/privacy/…, /api/audit              data-subject requests and the audit log (privacy-routes.ts)
 */
export function adminRouter(
  config: Config,
  options: { privacy: PrivacyOperations; signIn: SignIn; keys: ApiKeys; queues: Queues; typing: AgentTypingDeps },
): Router {
  const { adapters, logger } = options.typing;
  const router = Router();
  // The description itself needs no key: it holds nothing of any workspace.
  const description = openApiDocument(api, { version: hubVersion });
  router.get('/openapi.json', routes.openapi, (_req: Request, res: Response) => void res.json(description));
  router.use(authenticate(options));
  const workspaceOf = (id: string) => config.workspaces.find((w) => w.id === id)!;

  const action = (run: typeof close, status: string) =>
    answer(async (req, caller) => {
      await run({ workspace: caller.workspace, id: String(req.params.id), queues: options.queues, actor: caller.actor });
      // Whoever had it has room for the next one waiting.
      options.queues.requestAssignment(workspaceOf(caller.workspace));
      const ws = workspaceOf(caller.workspace);
      if (status === 'closed' && ws.email?.copyOnClose) {
        const id = String(req.params.id);
        const to = ws.email.notify ?? ws.email.replyTo;
        await queueEmails(options.queues, ws, [{ kind: 'close-copy', to, key: `${id}:${Date.now()}`, conversation: id }]);
      }
      if (status === 'closed')
        await emitEvents(options.queues, workspaceOf(caller.workspace), [
          { type: 'conversation.closed', conversation: String(req.params.id), actor: caller.actor, key: String(Date.now()) },
        ]);
      return { id: req.params.id, status };
    });
  router.post(
    '/conversations/:id/take',
    routes.take,
    asAgent(async (session, req) => {
      const id = String(req.params.id);
      const taken = await takeConversation(options.queues, { agent: session, id, workspace: workspaceOf(session.workspace) });
      await emitEvents(options.queues, workspaceOf(session.workspace), [
        { type: 'conversation.assigned', conversation: id, actor: `agent:${session.agent}`, key: session.agent },
        ...(taken.joined ? [{ type: 'message.created' as const, conversation: id, message: taken.joined }] : []),
      ]);
      return { dropped: taken.dropped };
    }),
  );
  router.post(
    '/conversations/:id/messages',
    express.json({ limit: '16kb' }),
    routes.reply,
    asAgent(async (session, req) => {
      const clientId = typeof req.body?.id === 'string' ? req.body.id.slice(0, 100) : undefined;
      const id = String(req.params.id);
      const reply = await agentReply(options.queues, { agent: session, id, text: textOf(req.body), ...(clientId ? { clientId } : {}) });
      await emitEvents(options.queues, workspaceOf(session.workspace), [{ type: 'message.created', conversation: id, message: reply.id }]);
      return reply;
    }),
  );
  // Best effort and throttled: answered 202 whatever the platform makes of it (see agent-typing.ts).
  router.post(
    '/conversations/:id/typing',
    routes.typing,
    asAgent((session, req) => agentTyping(options.typing, { agent: session, id: String(req.params.id) }), { status: 202 }),
  );
  // `{"mode": "resume"}`: the bot picks up where it handed off; otherwise (`restart`) its flow starts afresh at the next message.
  router.post('/conversations/:id/handback', express.json({ limit: '1kb' }), routes.handBack, (req: Request, res: Response, next: NextFunction) => {
    if (req.body?.mode !== 'resume') return action(handBack, 'bot')(req, res, next);
    return answer(async (req, caller) => {
      await resumeBot(options.queues, { workspace: caller.workspace, id: String(req.params.id), actor: caller.actor });
      options.queues.requestAssignment(workspaceOf(caller.workspace));
      return { id: req.params.id, status: 'bot', mode: 'resume' };
    })(req, res, next);
  });
  router.post('/conversations/:id/close', routes.close, action(close, 'closed'));
  router.post(
    '/conversations/:id/transfer',
    express.json({ limit: '1kb' }),
    routes.transfer,
    asAgent(async (session, req) => {
      const id = String(req.params.id);
      const { agent, team } = req.body as { agent?: string; team?: string };
      const moved = await transferConversation(options.queues, {
        workspace: workspaceOf(session.workspace),
        id,
        by: session,
        to: agent ? { agent } : { team: team! },
      });
      // Waiting again for a team, or off its holder's hands: either way routing has something to do.
      options.queues.requestAssignment(workspaceOf(session.workspace));
      if (moved.assignee)
        await emitEvents(options.queues, workspaceOf(session.workspace), [
          { type: 'conversation.assigned', conversation: id, actor: `agent:${session.agent}`, key: `${session.agent}>${moved.assignee}:${Date.now()}` },
        ]);
      return { id, ...moved };
    }),
  );
  router.use(agentRouter(config, options.queues));
  router.use(channelRouter(config, { queues: options.queues, adapters, logger }));
  router.use('/conversations', inboxRouter(options.queues, { workspaceOf }));

  router.get('/leads', routes.leads, async (req: Request, res: Response) => {
    const limit = Math.min(Math.max(Number(req.query.limit) || 1000, 1), 10_000);
    const leads = await listLeads(res.locals.workspace as string, { limit });
    if (req.query.format === 'csv') {
      res.type('text/csv').attachment('leads.csv').send(leadsToCsv(leads));
      return;
    }
    res.json({ leads });
  });
  router.get('/emails', requireAdmin, routes.emails, async (_req: Request, res: Response) => {
    res.json({ emails: await latestEmails(res.locals.workspace as string) });
  });
  router.get('/canned-replies', routes.cannedReplies, async (_req: Request, res: Response) => {
    res.json({ replies: await listCannedReplies(res.locals.workspace as string) });
  });
  router.put('/canned-replies/:shortcut', requireAdmin, express.json({ limit: '16kb' }), routes.saveCannedReply, async (req: Request, res: Response) => {
    const shortcut = String(req.params.shortcut);
    if (!cannedShortcut.test(shortcut)) {
      res.status(400).json({ error: 'bad_request', message: 'a shortcut is 1 to 32 lowercase letters, digits, "-" or "_"' });
      return;
    }
    const { text } = req.body as { text: string };
    await saveCannedReply({ workspace: res.locals.workspace as string, shortcut, text, actor: res.locals.actor as string });
    await audit({ workspace: res.locals.workspace as string, actor: res.locals.actor as string, action: 'canned_reply.saved', target: shortcut });
    res.json({ shortcut, text });
  });
  router.delete('/canned-replies/:shortcut', requireAdmin, routes.removeCannedReply, async (req: Request, res: Response) => {
    const shortcut = String(req.params.shortcut);
    if (!(await removeCannedReply(res.locals.workspace as string, shortcut))) {
      res.status(404).json({ error: 'not_found', message: `no canned reply /${shortcut}` });
      return;
    }
    await audit({ workspace: res.locals.workspace as string, actor: res.locals.actor as string, action: 'canned_reply.removed', target: shortcut });
    res.json({ removed: true });
  });

  // Data-subject requests and the audit log: admins and owners (and API keys), not agents.
  router.use(['/privacy', '/audit'], requireAdmin);
  router.use(privacyRouter(options.privacy));
  return router;
}
