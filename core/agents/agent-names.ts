import { Agent } from '../store/agent.js';

/** Display names of a workspace's agents by id (never their e-mails), read by `_id` in one query. */
export async function agentNames(workspace: string, ids: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set(ids)];
  if (!wanted.length) return new Map();
  const agents = await Agent.find({ _id: { $in: wanted } }, { displayName: 1, workspace: 1 }).lean();
  return new Map(agents.filter((a) => a.workspace === workspace).map((a) => [a._id, a.displayName]));
}
