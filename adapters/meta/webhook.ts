import type { Logger } from 'pino';
import type { HttpRouter } from '../../core/http/router.js';
import { requireMetaSignature, metaSignatureHeader } from './signature.js';
import { answerVerification } from './verification.js';

/** The two credentials a Meta webhook is checked with. */
export interface MetaWebhookSecrets {
  appSecret: string;
  verifyToken: string;
}

/**
 * Mounts a Meta webhook at `path` (with an `:account` parameter): the GET subscription handshake,
 * and POSTs verified against the account's app secret before `handle` sees the raw body.
 * Meta redelivers anything not answered 200, so `handle` only returns once its messages are queued.
 */
export function mountMetaWebhook<A extends MetaWebhookSecrets>(
  http: HttpRouter,
  options: { path: string; logger: Logger; account(id: string): A | undefined; handle(body: Buffer, account: A): Promise<void> },
): void {
  http.get(options.path, async (req) =>
    answerVerification(req, options.account(req.params.account ?? '')?.verifyToken, (reason) =>
      options.logger.warn({ path: options.path, account: req.params.account, status: 403, reason }, 'webhook verification refused'),
    ),
  );
  http.post(options.path, async (req) => {
    const account = options.account(req.params.account ?? '');
    requireMetaSignature(req.rawBody, account?.appSecret, req.headers[metaSignatureHeader]);
    await options.handle(req.rawBody, account!);
    return { status: 200, raw: 'EVENT_RECEIVED', headers: { 'content-type': 'text/plain; charset=utf-8' } };
  });
}
