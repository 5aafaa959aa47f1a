import express, { Router, type Request } from 'express';
import type { Config } from '../config/schema.js';
import type { Queues } from '../queue/queues.js';
import { heartbeatEveryMs, type Presence } from '../agents/presence.js';
import { idleAfterMs, routedAgents, setAgentRouting } from '../agents/routing.js';
import { NotFoundError } from '../errors.js';
import { routes } from './api/routes.js';
import { requireAdmin } from './admin.js';
import { answer, asAgent } from './conversation-handlers.js';

/**
 * `/api/agents…`, `/api/figures` and `/api/presence`: colleagues with their teams, capacity, load
 * and presence, an admin setting someone's teams and capacity, the handoff figures (admins), and
 * the console's heartbeat and presence toggle.
 */
export function agentRouter(config: Config, queues: Queues): Router {
  const router = Router();
  const workspaceOf = (id: string) => config.workspaces.find((w) => w.id === id)!;
  const teamsOf = (id: string) => workspaceOf(id).teams.map((t) => ({ id: t.id, name: t.name ?? t.id, assignment: t.assignment }));

  router.get(
    '/agents',
    routes.agents,
    answer(async (_req, caller) => ({ agents: await routedAgents(queues, workspaceOf(caller.workspace)), teams: teamsOf(caller.workspace) })),
  );
  router.post(
    '/agents/:id/routing',
    requireAdmin,
    express.json({ limit: '4kb' }),
    routes.agentRouting,
    answer(async (req: Request, caller) => {
      const workspace = workspaceOf(caller.workspace);
      const id = String(req.params.id);
      const { teams, capacity } = req.body as { teams?: string[]; capacity?: number | null };
      await setAgentRouting({ workspace, agent: id, ...(teams ? { teams } : {}), ...(capacity !== undefined ? { capacity } : {}), actor: caller.actor });
      queues.requestAssignment(workspace);
      const agent = (await routedAgents(queues, workspace)).find((a) => a.id === id);
      if (!agent) throw new NotFoundError(`no active agent ${id} in this workspace`);
      return agent;
    }),
  );
  router.get(
    '/figures',
    requireAdmin,
    routes.figures,
    answer(async (_req, caller) => {
      const workspace = workspaceOf(caller.workspace);
      return queues.figures.read(queues, workspace, await routedAgents(queues, workspace));
    }),
  );
  router.post(
    '/presence',
    express.json({ limit: '1kb' }),
    routes.presence,
    asAgent(async (session, req) => {
      const { active, status } = req.body as { active?: boolean; status?: Presence };
      const workspace = workspaceOf(session.workspace);
      const { presence, changed } = await queues.presence.beat({
        workspace: session.workspace,
        agent: session.agent,
        idleAfterMs: idleAfterMs(workspace),
        ...(active !== undefined ? { active } : {}),
        ...(status ? { chosen: status } : {}),
      });
      // Someone is back: the longest waiting of their teams can go to them.
      if (changed && presence === 'online') queues.requestAssignment(workspace);
      return { presence, heartbeatEveryMs };
    }),
  );
  return router;
}
