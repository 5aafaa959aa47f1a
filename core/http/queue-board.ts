import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../config/schema.js';
import type { Queues } from '../queue/queues.js';
import { requireAdmin } from './admin.js';

const basePath = '/api/queues';

/**
 * bull-board at `/api/queues`: waiting, delayed and failed jobs of every queue, with retry and
 * remove, for admins. The queues are the deployment's, shared by its workspaces, so only the
 * admins of `console.queueBoardWorkspace` (by default the only workspace, when there is one) see it.
 */
export function queueBoard(config: Config, queues: Queues, authenticate: RequestHandler): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(basePath);
  createBullBoard({
    queues: [queues.turns, queues.deliveries, queues.crm, queues.maintenance].map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Switchboard queues' } },
  });
  const owner = config.console.queueBoardWorkspace ?? (config.workspaces.length === 1 ? config.workspaces[0]!.id : undefined);
  const ownWorkspace = (_req: Request, res: Response, next: NextFunction) => {
    if (res.locals.workspace !== owner) {
      res.status(403).json({
        error: 'forbidden',
        message: "the queue board shows every workspace's jobs: set console.queueBoardWorkspace to the workspace whose admins may see it",
      });
      return;
    }
    next();
  };
  const router = Router();
  // Mounted under /api, as the admin router is.
  router.use('/queues', authenticate, requireAdmin, ownWorkspace, adapter.getRouter() as RequestHandler);
  return router;
}
