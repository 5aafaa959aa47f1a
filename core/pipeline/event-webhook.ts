import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config, WorkspaceConfig } from '../config/schema.js';
import type { EventType } from '../event-types.js';
import type { Queues } from '../queue/queues.js';
import { Agent } from '../store/agent.js';
import { Contact } from '../store/contact.js';
import { Conversation } from '../store/conversation.js';
import { inWorkspace } from '../store/in-workspace.js';
import { Message } from '../store/message.js';
import { postSigned } from './signed-post.js';

/**
 * An event waiting in the queue: ids only, so Redis holds nothing a person said; the payload is
 * read from MongoDB when it is posted (a conversation erased meanwhile is posted as gone).
 */
export interface EventJob {
  /** Stable for the same happening, so a retried turn or action posts it once. */
  id: string;
  type: EventType;
  conversation: string;
  message?: string;
  /** Who did it, for `conversation.assigned` and `conversation.closed` (`agent:<id>`, `key:…`, `bot`). */
  actor?: string;
  at: string;
}

/** An event to emit; `key` tells apart happenings of one conversation that may repeat (a second handoff). */
export type NewEvent = Omit<EventJob, 'id' | 'at'> & { key?: string };

/** Queues the events the workspace's webhook subscribes to; nothing at all without an event webhook. */
export async function emitEvents(queues: Queues, workspace: WorkspaceConfig, events: NewEvent[]): Promise<void> {
  const wanted = workspace.events ? events.filter((e) => workspace.events!.types.includes(e.type)) : [];
  if (!wanted.length) return;
  const at = new Date().toISOString();
  await queues.enqueueCrm(
    wanted.map(({ key, ...e }) => ({
      workspace: workspace.id,
      event: { ...e, id: eventId({ ...e, key }), at },
    })),
  );
}

function eventId(e: NewEvent): string {
  const key = [e.type, e.conversation, e.message ?? '', e.key ?? ''].join('\u0000');
  return `evt_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/**
 * POSTs one event, signed like the CRM webhook:
 * `{id, type, at, workspace, conversation: {id, channel, account, status, team, assignee}, message?, actor?}`.
 * The conversation and message are as they stand when the event is posted (a retry may come after
 * later changes); the actor is the event's. Agents appear by display name, never by e-mail; a
 * restricted contact's events are not sent (Art. 18).
 */
export async function deliverEvent(options: { config: Config; logger: Logger }, workspace: string, event: EventJob): Promise<void> {
  const ws = options.config.workspaces.find((w) => w.id === workspace);
  const target = ws?.events;
  if (!ws || !target) return;
  const conversation = inWorkspace(await Conversation.findById(event.conversation).lean(), workspace);
  if (conversation && (await Contact.exists({ _id: conversation.contact, restricted: true }))) return;
  const message = event.message ? inWorkspace(await Message.findById(event.message).lean(), workspace) : undefined;
  const agentName = async (id: string | undefined) => (id ? ((await Agent.findById(id, { displayName: 1 }).lean())?.displayName ?? null) : null);
  const body = JSON.stringify({
    id: event.id,
    type: event.type,
    at: event.at,
    workspace,
    conversation: conversation
      ? {
          id: String(conversation._id),
          channel: conversation.channel,
          account: conversation.account,
          status: conversation.status,
          team: conversation.team ?? null,
          assignee: conversation.assignee ? { id: conversation.assignee, name: await agentName(conversation.assignee) } : null,
        }
      : { id: event.conversation, gone: true },
    ...(event.message
      ? {
          message: message
            ? {
                id: message._id,
                direction: message.direction,
                sender: message.sender,
                senderName: message.senderName ?? null,
                text: message.text ?? null,
                at: message.createdAt,
              }
            : { id: event.message, gone: true },
        }
      : {}),
    ...(event.actor ? { actor: event.actor.startsWith('agent:') ? { agent: await agentName(event.actor.slice(6)) } : event.actor } : {}),
  });
  try {
    await postSigned({ workspace: ws, target, body, what: 'event webhook' });
  } catch (err) {
    options.logger.warn({ event: event.id, type: event.type, err: (err as Error).message }, 'event webhook failed');
    throw err;
  }
}
