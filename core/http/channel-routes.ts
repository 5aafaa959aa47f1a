import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import QRCode from 'qrcode';
import type { AccountState, ChannelAdapter } from '../adapter.js';
import type { Config } from '../config/schema.js';
import { withoutIdentifiers } from '../logger.js';
import { audit } from '../privacy/audit.js';
import type { Queues } from '../queue/queues.js';
import { routes } from './api/routes.js';
import { requireAdmin } from './admin.js';

/** How long the page waits for a platform to say how an account stands. */
const stateTimeoutMs = 3000;

/** A QR code as its modules, row by row ("1" dark), for the console to draw as SVG rectangles: no markup travels. */
export function qrModules(code: string): { size: number; modules: string } {
  const { modules } = QRCode.create(code, { errorCorrectionLevel: 'L' });
  return { size: modules.size, modules: Array.from(modules.data, (bit) => (bit ? '1' : '0')).join('') };
}

async function stateOf(adapter: ChannelAdapter | undefined, account: string): Promise<AccountState> {
  if (!adapter?.accountState) return {};
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<AccountState>((resolve) => {
    timer = setTimeout(() => resolve({ intake: { mode: 'webhook', detail: 'the platform did not answer in time' } }), stateTimeoutMs);
  });
  try {
    return await Promise.race([adapter.accountState(account).catch(() => ({})), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/api/channels…` (admins): every account of the workspace with its state, and linking a
 * WhatsApp Web number by QR from the console. Linking answers as a stream of JSON lines while
 * it runs (`{"qr": {size, modules}}` for each code, then `{"done": "linked" | "already linked"}`
 * or `{"error": …}`), from the process that received the request; the hub that runs the
 * account's session picks the saved session up (adapters/whatsapp/web/holder.ts).
 */
export function channelRouter(config: Config, options: { queues: Queues; adapters: ReadonlyMap<string, ChannelAdapter>; logger: Logger }): Router {
  const router = Router();
  router.use('/channels', requireAdmin);
  router.get('/channels', routes.channels, async (_req: Request, res: Response) => {
    const workspace = config.workspaces.find((w) => w.id === res.locals.workspace)!;
    const activity = await options.queues.activity.read(workspace.id);
    const accounts = await Promise.all(
      Object.entries(workspace.channels).flatMap(([channel, list]) =>
        list.map(async (a) => {
          const transport = (a as { transport?: unknown }).transport;
          return {
            channel,
            account: a.account,
            ...(typeof transport === 'string' ? { transport } : {}),
            ...activity.get(`${channel}:${a.account}`),
            ...(await stateOf(options.adapters.get(channel), a.account)),
            linkable: Boolean(options.adapters.get(channel)?.link) && transport === 'web',
          };
        }),
      ),
    );
    res.json({ accounts });
  });

  router.post('/channels/:channel/:account/link', routes.linkAccount, async (req: Request, res: Response) => {
    const workspace = config.workspaces.find((w) => w.id === res.locals.workspace)!;
    const { channel, account } = req.params as { channel: string; account: string };
    const adapter = options.adapters.get(channel);
    const configured = workspace.channels[channel]?.find((a) => a.account === account);
    if (!configured || !adapter?.link || (configured as { transport?: string }).transport !== 'web') {
      res.status(404).json({ error: 'not_found', message: `no ${channel} account "${account}" to link by QR in this workspace` });
      return;
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    res.status(200).type('application/x-ndjson').set('cache-control', 'no-store');
    res.flushHeaders();
    const line = (value: unknown) => void res.write(`${JSON.stringify(value)}\n`);
    try {
      // The codes are a credential for the number until scanned: sent to this admin only, never logged.
      const done = await adapter.link(account, { qr: (code) => line({ qr: qrModules(code) }), signal: abort.signal });
      await audit({
        workspace: workspace.id,
        actor: res.locals.actor as string,
        action: 'channel.linked',
        target: `${channel}:${account}`,
        details: { outcome: done },
      });
      line({ done });
    } catch (err) {
      const reason = withoutIdentifiers((err as Error).message);
      options.logger.warn({ channel, account, reason }, 'linking by QR did not finish');
      line({ error: reason });
    }
    res.end();
  });
  return router;
}
