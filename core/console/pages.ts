import type { IncomingMessage } from 'node:http';
import { Router, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { BundledFile, ConsoleBundle } from './bundle.js';

/** The page every console URL loads: the app draws itself from its script; nothing inline, so the CSP needs no `unsafe-inline`. */
const shell = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Switchboard console</title>
<link rel="stylesheet" href="/console/app.css">
<script src="/console/app.js" defer></script>
</head>
<body><div id="app"></div><noscript>The console needs JavaScript.</noscript></body>
</html>
`;

/** The console's own WebSocket origin (`ws://host` or `wss://host`); a Host header that is not a plain host[:port] gets none. */
function socketOrigin(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  if (!/^[a-z0-9.-]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/i.test(host)) return "'self'";
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${secure ? 'wss' : 'ws'}://${host}`;
}

/**
 * The console's Content-Security-Policy, replacing helmet's default for these pages: scripts and
 * styles only from the hub, no inline code or styles, requests only to the hub and its WebSocket
 * (older browsers do not count `ws:` as 'self'), and no framing (clickjacking).
 */
const consoleCsp = helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    connectSrc: ["'self'", socketOrigin],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
});

function sendFile(req: Request, res: Response, file: BundledFile, type: string): void {
  res.set({ 'content-type': type, 'cache-control': 'no-cache', etag: file.etag, vary: 'accept-encoding' });
  if (req.headers['if-none-match'] === file.etag) return void res.status(304).end();
  const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  if (gzip) res.set('content-encoding', 'gzip');
  res.send(gzip ? file.gzip : file.raw);
}

/**
 * `/console`: the agents' single-page app.
 *   GET /console, /console/…   the HTML shell (the app routes on the client)
 *   GET /console/app.js        the bundled app
 *   GET /console/app.css       its styles
 * `/console/api/…` (console-auth.ts) and `/console/ws` (socket.ts) are not pages.
 */
export function consolePages(bundle: ConsoleBundle): Router {
  const router = Router();
  router.use(consoleCsp);
  router.get('/app.js', (req, res) => sendFile(req, res, bundle.js, 'application/javascript; charset=utf-8'));
  router.get('/app.css', (req, res) => sendFile(req, res, bundle.css, 'text/css; charset=utf-8'));
  router.get('/{*path}', (req, res, next) => {
    if (/^\/(api|ws)(\/|$)/.test(req.path)) return next();
    res.set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).send(shell);
  });
  return router;
}
