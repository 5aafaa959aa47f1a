import type { NextFunction, Request, Response } from 'express';
import type { Session } from '../agents/sessions.js';
import { ConversationActionError } from '../conversations.js';
import { ForbiddenError, NotFoundError, PayloadError } from '../errors.js';
import { MailboxBusyError } from '../queue/hold.js';

/** What the admin router put on `res.locals` for the request's key or session (see admin.ts). */
export interface Caller {
  workspace: string;
  /** `agent:<id>` or `key:<hash>`, for events and the audit log. */
  actor: string;
  role: string;
  /** Only for an agent's session. */
  session?: Session;
}

/**
 * A conversation route: `run` resolves to the JSON to answer, and its refusals become the API's
 * errors: 400 bad input (PayloadError), 403 (ForbiddenError), 404 not in this workspace (NotFoundError too), 409 a
 * conflict, or busy (a turn kept the conversation past the wait, and nothing was changed).
 */
export const answer =
  (run: (req: Request, caller: Caller) => Promise<unknown>, options: { status?: 200 | 202 } = {}) =>
  async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      res.status(options.status ?? 200).json(await run(req, res.locals as Caller));
    } catch (err) {
      if (err instanceof PayloadError) return void res.status(400).json({ error: 'bad_request', message: err.message });
      if (err instanceof ForbiddenError) return void res.status(403).json({ error: 'forbidden', message: err.message });
      if (err instanceof NotFoundError) return void res.status(404).json({ error: 'not_found', message: err.message });
      if (err instanceof MailboxBusyError) return void res.status(409).json({ error: 'busy', message: err.message });
      if (err instanceof ConversationActionError)
        return void res.status(err.notFound ? 404 : 409).json({ error: err.notFound ? 'not_found' : 'conflict', message: err.message });
      next(err);
    }
  };

/** {@link answer} for an agent's own actions: they need an agent's session (a key is nobody to assign a conversation to, or to sign a note). */
export const asAgent = (run: (session: Session, req: Request) => Promise<unknown>, options: { status?: 200 | 202 } = {}) =>
  answer(async (req, caller) => {
    if (!caller.session) throw new ForbiddenError('sign in as an agent (POST /console/api/sign-in): an API key cannot do this');
    return run(caller.session, req);
  }, options);

/** A request body's `text`: trimmed, 1 to 4096 characters. */
export function textOf(body: unknown): string {
  const raw = (body as { text?: unknown } | undefined)?.text;
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (!text || text.length > 4096) throw new PayloadError('expected {"text": "…"} of 1 to 4096 characters');
  return text;
}
