import express, { Router, type Request } from 'express';
import { conversationView } from '../agents/conversation-view.js';
import { decodeCursor, listInbox } from '../agents/inbox-list.js';
import { inboxViews, type InboxView } from '../agents/inbox-summary.js';
import { addNote } from '../agents/notes.js';
import { markRead, reopen } from '../conversations.js';
import type { WorkspaceConfig } from '../config/schema.js';
import { ForbiddenError, PayloadError } from '../errors.js';
import type { Queues } from '../queue/queues.js';
import { answer, asAgent, textOf, type Caller } from './conversation-handlers.js';
import { routes } from './api/routes.js';

const maxLimit = 100;

/** A query parameter given once, as text (express also parses arrays and objects). */
function param(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 200) throw new PayloadError(`${name} must be given once, as text`);
  return value;
}

function listQuery(req: Request, caller: Caller) {
  const view = (param(req, 'view') ?? 'open') as InboxView;
  if (!inboxViews.includes(view)) throw new PayloadError(`view must be one of ${inboxViews.join(', ')}`);
  if (view === 'mine' && !caller.session) throw new ForbiddenError('view=mine is the signed-in agent’s: an API key has none');
  const limitText = param(req, 'limit');
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw new PayloadError(`limit must be a whole number from 1 to ${maxLimit}`);
  const before = param(req, 'before');
  const after = before === undefined ? undefined : decodeCursor(before);
  if (before !== undefined && !after) throw new PayloadError('before must be a cursor this API gave out (`next`)');
  const channel = param(req, 'channel');
  const team = param(req, 'team');
  return {
    workspace: caller.workspace,
    view,
    ...(view === 'mine' ? { agent: caller.session!.agent } : {}),
    ...(channel ? { channel } : {}),
    ...(team ? { team } : {}),
    ...(after ? { after } : {}),
    limit,
  };
}

/**
 * The console's inbox and conversation routes, under `/api/conversations` (see
 * docs/console-api.md), behind the admin router's authentication: every caller is a key or an
 * agent's session of one workspace, and sees that workspace only (another's conversation is 404).
 *   GET  /api/conversations?view=mine|waiting|open|closed[&channel][&team][&before][&limit]
 *   GET  /api/conversations/:id            messages, notes, events, the contact panel
 *   POST /api/conversations/:id/notes      {text} an agent's private note, never sent
 *   POST /api/conversations/:id/read       its unread count goes to 0
 *   POST /api/conversations/:id/reopen     a closed conversation waits for an agent again
 */
export function inboxRouter(queues: Queues, options: { workspaceOf: (id: string) => WorkspaceConfig }): Router {
  const router = Router();
  router.get(
    '/',
    routes.inbox,
    answer((req, caller) => listInbox(queues, listQuery(req, caller))),
  );
  router.get(
    '/:id',
    routes.conversation,
    answer((req, caller) => conversationView(caller.workspace, String(req.params.id))),
  );
  router.post(
    '/:id/notes',
    express.json({ limit: '16kb' }),
    routes.note,
    asAgent((session, req) => addNote(queues, { agent: session, id: String(req.params.id), text: textOf(req.body) })),
  );
  router.post(
    '/:id/read',
    routes.read,
    answer(async (req, caller) => ({
      id: req.params.id,
      ...(await markRead({ workspace: caller.workspace, id: String(req.params.id), queues, actor: caller.actor })),
    })),
  );
  router.post(
    '/:id/reopen',
    routes.reopen,
    answer(async (req, caller) => {
      const reopened = await reopen({ workspace: caller.workspace, id: String(req.params.id), queues, actor: caller.actor });
      queues.requestAssignment(options.workspaceOf(caller.workspace));
      return { id: req.params.id, status: 'waiting', ...reopened };
    }),
  );
  return router;
}
