import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelAdapter } from '../adapter.js';
import type { Session } from '../agents/sessions.js';
import { publishTyping } from '../console/typing-event.js';
import { addressOf, findConversation } from '../conversations.js';
import { ChannelApiError, ForbiddenError } from '../errors.js';
import { privacyContract } from '../privacy/contract.js';

/**
 * One typing indicator per agent and conversation at most this often: a scripted client cannot
 * make the hub flood a platform. A little under the console's own 3 s, so that the composer's
 * pace is never refused by a request that arrives a few milliseconds early.
 */
export const typingEveryMs = 2500;

/** The throttle's key: ids only (the agent's, the conversation's), gone after {@link typingEveryMs}. */
export function typingThrottleKey(prefix: string, at: { agent: string; conversation: string }): string {
  return `${prefix}:typing:${at.agent}:${at.conversation}`;
}

export interface AgentTypingDeps {
  redis: Redis;
  prefix: string;
  adapters: ReadonlyMap<string, ChannelAdapter>;
  logger: Logger;
}

/** What a failed indicator is logged with: the platform's code, never its message (it may quote the chat or the number). */
function reasonOf(err: unknown): string {
  if (err instanceof ChannelApiError) return err.platformCode ?? String(err.status ?? 'unknown');
  return err instanceof Error ? err.name : 'unknown';
}

/**
 * The agent who has the conversation is typing in the console's composer: their colleagues'
 * consoles say so, and the contact sees the channel's typing indicator where it has one. Only
 * the assignee of a conversation people own (`status: agent`) may: anyone else is not about to
 * answer it. Throttled per agent and conversation with a short-lived Redis key (`SET NX PX`);
 * a throttled call changes nothing. The platform is asked once, not awaited and never retried:
 * an indicator that comes late is worse than none, and its failure is not the agent's concern.
 * Resolves to whether the contact's channel was asked to show it.
 */
export async function agentTyping(deps: AgentTypingDeps, at: { agent: Session; id: string }): Promise<{ forwarded: boolean }> {
  const conversation = await findConversation(at.agent.workspace, at.id);
  if (conversation.status !== 'agent' || conversation.assignee !== at.agent.agent) {
    throw new ForbiddenError('only the agent who has taken the conversation can be typing in it');
  }
  const id = String(conversation._id);
  const fresh = await deps.redis.set(typingThrottleKey(deps.prefix, { agent: at.agent.agent, conversation: id }), '1', 'PX', typingEveryMs, 'NX');
  if (fresh !== 'OK') return { forwarded: false };
  const agent = { id: at.agent.agent, ...(conversation.assigneeName ? { name: conversation.assigneeName } : {}) };
  await publishTyping(deps.redis, { prefix: deps.prefix, workspace: conversation.workspace, event: { t: 'typing', conversation: id, who: 'agent', agent } });

  const adapter = deps.adapters.get(conversation.channel);
  const capabilities = adapter?.capabilitiesFor?.(conversation.account) ?? adapter?.capabilities;
  if (!adapter?.typing || !capabilities?.typing) return { forwarded: false };
  const where = { channel: conversation.channel, account: conversation.account };
  adapter
    .typing({ address: addressOf(conversation) })
    .catch((err: unknown) => deps.logger.debug({ ...where, reason: reasonOf(err) }, 'typing indicator not shown'));
  return { forwarded: true };
}

/** Privacy contract of the throttle's keys (see core/privacy/contract.ts). */
export const typingThrottlePrivacy = privacyContract({
  store: { redis: 'typing:*' },
  purpose: 'at most one typing indicator per agent and conversation every 2.5 seconds',
  personal: ['ids only: the agent and the conversation in the key name; the value is "1"'],
  findBy: 'typing:{agent}:{conversation}',
  erasure: { action: 'expires', within: '2.5 seconds' },
  retention: { expires: '2.5 seconds' },
});
