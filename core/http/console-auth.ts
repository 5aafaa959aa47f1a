import { parse as parseCookies } from 'cookie';
import { routes } from './api/routes.js';
import express, { Router, type Request, type Response } from 'express';
import type { Config } from '../config/schema.js';
import { sessionCookie } from '../agents/sessions.js';
import { Agent } from '../store/agent.js';
import type { SignIn } from '../agents/sign-in.js';

/** The session cookie's token of a request, if any. */
export function sessionToken(req: Request): string | undefined {
  return parseCookies(req.headers.cookie ?? '')[sessionCookie];
}

/**
 * Cross-site request forgery: a cookie rides along with any request a page makes, so a request
 * that changes something and is authenticated by the cookie must come from the hub's own pages.
 * Browsers send `Origin` with every such request; it must be the hub's own origin.
 */
export function sameOrigin(req: Request): boolean {
  return isHubOrigin(req.headers.origin, { host: req.get('host') });
}

/**
 * Whether `origin` is the hub's own: the host the request reached (its Host header). Either
 * scheme: behind a TLS-terminating proxy the hub sees http while the browser says https, and a
 * page of the same host over the other scheme is the hub's own too. Also for WebSocket
 * handshakes, which are no express requests.
 */
export function isHubOrigin(origin: string | undefined, hub: { host: string | undefined }): boolean {
  return origin !== undefined && hub.host !== undefined && (origin === `https://${hub.host}` || origin === `http://${hub.host}`);
}

const changes = (req: Request) => !['GET', 'HEAD', 'OPTIONS'].includes(req.method);

/**
 * `/console/api/…`: agents sign in and out.
 *   POST /console/api/sign-in   {email, password, workspace?}  sets the session cookie
 *   POST /console/api/sign-out
 *   GET  /console/api/me        the signed-in agent: {agent: {id, workspace, role, displayName}}, as sign-in answers
 * The cookie is httpOnly and SameSite=Strict, `Secure` over HTTPS (or when `console.secureCookie`
 * says so), and the session ends after `console.sessionIdleMinutes` without a request.
 */
export function consoleAuthRouter(config: Config, signIn: SignIn): Router {
  const router = Router();
  router.use(express.json({ limit: '8kb' }));
  router.use((req, res, next) => {
    if (changes(req) && !sameOrigin(req)) {
      res.status(403).json({ error: 'forbidden', message: 'cross-origin request refused' });
      return;
    }
    next();
  });
  const cookieOptions = (req: Request) => ({
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: config.console.secureCookie ?? req.secure,
    path: '/',
  });

  router.post('/sign-in', routes.signIn, async (req: Request, res: Response) => {
    const { email, password } = (req.body ?? {}) as { email?: unknown; password?: unknown };
    const workspace = typeof req.body?.workspace === 'string' ? req.body.workspace : config.workspaces.length === 1 ? config.workspaces[0]!.id : undefined;
    if (typeof email !== 'string' || typeof password !== 'string' || !workspace) {
      res.status(400).json({ error: 'bad_request', message: 'expected {"email", "password"} (and "workspace" when the hub has several)' });
      return;
    }
    const code = typeof req.body?.code === 'string' ? req.body.code : undefined;
    const result = await signIn.signIn({ workspace, email, password, ...(code ? { code } : {}), address: req.ip ?? 'unknown' });
    if (!result.ok) {
      const [status, message] =
        result.reason === 'locked'
          ? [423, 'too many wrong passwords: this account is locked for a while']
          : result.reason === 'limited'
            ? [429, 'too many sign-in attempts from this address; try again later']
            : result.reason === 'code_required'
              ? [401, 'enter the code from your authenticator app']
              : [401, 'wrong e-mail, password or code'];
      if (result.retryAfterSeconds) res.set('retry-after', String(result.retryAfterSeconds));
      res.status(status).json({ error: result.reason === 'wrong' ? 'unauthorized' : result.reason, message });
      return;
    }
    res.cookie(sessionCookie, result.token, cookieOptions(req));
    res.json({ agent: { id: result.session.agent, workspace: result.session.workspace, role: result.session.role, displayName: result.displayName } });
  });

  router.post('/sign-out', routes.signOut, async (req: Request, res: Response) => {
    await signIn.sessions.end(sessionToken(req));
    res.clearCookie(sessionCookie, cookieOptions(req));
    res.json({ signedOut: true });
  });

  router.get('/me', routes.me, async (req: Request, res: Response) => {
    const session = await signIn.session(sessionToken(req));
    if (!session) {
      res.status(401).json({ error: 'unauthorized', message: 'not signed in' });
      return;
    }
    // The same shape as sign-in's answer: the console shows the name and compares the id with assignees.
    const agent = await Agent.findById(session.agent, { displayName: 1 }).lean();
    res.json({ agent: { id: session.agent, workspace: session.workspace, role: session.role, displayName: agent?.displayName ?? '' } });
  });
  return router;
}
