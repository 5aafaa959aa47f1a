import { findConversation } from '../conversations.js';
import type { Queues } from '../queue/queues.js';
import { ConversationNote } from '../store/conversation-note.js';
import { recordAction } from './action-log.js';
import type { Session } from './sessions.js';

/**
 * An agent's private note on a conversation: stored for colleagues, never sent (no channel reads
 * notes). The workspace's consoles are told the conversation changed, so the one showing it reads
 * it again.
 */
export async function addNote(queues: Queues, at: { agent: Session; id: string; text: string }): Promise<{ id: string }> {
  const conversation = await findConversation(at.agent.workspace, at.id);
  const note = await ConversationNote.create({
    workspace: conversation.workspace,
    conversation: conversation._id,
    author: at.agent.agent,
    text: at.text,
    at: new Date(),
  });
  await recordAction({
    workspace: conversation.workspace,
    conversation: conversation._id,
    kind: 'note_added',
    actor: `agent:${at.agent.agent}`,
    details: { note: String(note._id) },
  });
  await queues.inbox.refresh(conversation.workspace, conversation._id);
  return { id: String(note._id) };
}
