import type { HttpRouter } from '../core/http/router.js';

/**
 * The demo shop's order-status API, which the example flow's `http` node calls
 * (`config/flows/shop.yaml`). Deterministic, so transcripts can rely on it:
 * numbers ending in an even digit are shipped, odd ones are processing, and
 * numbers starting with 9 do not exist.
 */
export function demoRoutes(router: HttpRouter): void {
  router.get('/demo/orders/:number', async (req) => {
    const number = req.params.number ?? '';
    if (!/^[0-9]{4,10}$/.test(number) || number.startsWith('9')) return { status: 404, body: { error: 'not_found' } };
    const shipped = Number(number.at(-1)) % 2 === 0;
    return { status: 200, body: { number, status: shipped ? 'shipped' : 'processing', eta: shipped ? '2026-11-24' : '2026-11-27' } };
  });
}
