import type { HttpRouter, RawResponse } from '../core/http/router.js';

/**
 * The demo shop: its order-status API, which the example flow's `http` node calls
 * (`config/flows/shop.yaml`), and two pages with the chat widget installed (`/demo`,
 * `/demo/delivery`) plus a privacy policy page. The order API is deterministic, so
 * transcripts can rely on it: numbers ending in an even digit are shipped, odd ones are
 * processing, and numbers starting with 9 do not exist.
 */
export function demoRoutes(router: HttpRouter): void {
  router.get('/demo/orders/:number', async (req) => {
    const number = req.params.number ?? '';
    if (!/^[0-9]{4,10}$/.test(number) || number.startsWith('9')) return { status: 404, body: { error: 'not_found' } };
    const shipped = Number(number.at(-1)) % 2 === 0;
    return { status: 200, body: { number, status: shipped ? 'shipped' : 'processing', eta: shipped ? '2026-11-24' : '2026-11-27' } };
  });
  router.get('/demo', async (req) => page('Demo Shop', shopBody, req.query.account));
  router.get('/demo/delivery', async (req) => page('Delivery — Demo Shop', deliveryBody, req.query.account));
  router.get('/demo/privacy', async () => page('Privacy — Demo Shop', privacyBody, undefined, false));
  router.get('/demo/shop.css', async () => ({
    status: 200,
    raw: shopCss,
    headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' },
  }));
}

/**
 * A strict CSP, as a careful shop would have: the widget needs only its script from the hub
 * (`script-src`) and its WebSocket (`connect-src`; 'self' covers ws: on the same host and port).
 */
const csp =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function page(title: string, body: string, account: string | undefined, widget = true): RawResponse {
  const id = /^[a-z0-9][a-z0-9_-]{0,62}$/.test(account ?? '') ? account! : 'shop';
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/demo/shop.css">
<link rel="icon" href="data:,">
</head>
<body>
<header><a class="logo" href="/demo${id === 'shop' ? '' : `?account=${id}`}">Demo Shop</a>
<nav><a href="/demo${id === 'shop' ? '' : `?account=${id}`}">Shop</a> <a href="/demo/delivery${id === 'shop' ? '' : `?account=${id}`}">Delivery</a> <a href="/demo/privacy">Privacy</a></nav></header>
<main>${body}</main>
<footer>A demo page of Switchboard. The chat bubble in the corner is the website widget, installed with one script tag.</footer>
${widget ? `<script src="/widget.js" data-account="${id}" async></script>` : ''}
</body>
</html>`;
  return { status: 200, raw: html, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'cache-control': 'no-cache' } };
}

const shopBody = `
<h1>Fresh coffee, roasted this week</h1>
<p>Open the chat in the corner: ask for the opening hours, the status of an order (try 12346), or a call back.</p>
<ul class="products">
<li><h2>House blend</h2><p>Chocolate and hazelnut. 250 g — 9.90 €</p></li>
<li><h2>Ethiopia Yirgacheffe</h2><p>Jasmine and lemon. 250 g — 12.50 €</p></li>
<li><h2>Decaf Colombia</h2><p>Caramel, no caffeine. 250 g — 10.90 €</p></li>
</ul>`;

const deliveryBody = `
<h1>Delivery</h1>
<p>Orders placed before noon leave the same day. The chat keeps your conversation while you move between pages.</p>`;

const privacyBody = `
<h1>Privacy policy</h1>
<p>This demo stores what you write in the chat to answer you. Your browser keeps a random visitor id for 6 months
from your first visit so the conversation survives reloads; after that the chat starts afresh. News and offers
are only sent if you ticked the box, and you can stop them from the chat's menu at any time.</p>`;

const shopCss = `
body { margin: 0; font-family: Georgia, serif; color: #2b2118; background: #fbf7f2; }
header { display: flex; justify-content: space-between; align-items: center; padding: 16px 24px; background: #3b2a1e; }
header a { color: #fbe9d0; text-decoration: none; margin-left: 16px; }
.logo { font-size: 22px; font-weight: bold; margin-left: 0; }
main { max-width: 860px; margin: 0 auto; padding: 24px; }
.products { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 16px; }
.products li { background: #fff; border-radius: 10px; padding: 16px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
footer { text-align: center; color: #7a6a5a; padding: 40px 24px; font-size: 14px; }
`;
