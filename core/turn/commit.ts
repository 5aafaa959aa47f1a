import { dropUndeliveredBotReplies } from '../agents/takeover.js';
import { inboxSummary } from '../agents/inbox-summary.js';
import { recordConsent, textVersion } from '../consent.js';
import { emitEvents, type NewEvent } from '../pipeline/event-webhook.js';
import { followMarketingWithdrawal, marketingPurpose } from '../privacy/marketing.js';
import { mailboxKey, type Queues } from '../queue/queues.js';
import { ConversationEvent } from '../store/conversation-event.js';
import { Contact } from '../store/contact.js';
import { Conversation } from '../store/conversation.js';
import { leadId, turnEventId } from '../store/ids.js';
import { Lead } from '../store/lead.js';
import { Message } from '../store/message.js';
import { queueEmails, type EmailRequest } from '../email/queue-email.js';
import { normaliseEmail } from '../validate/contact-fields.js';
import { inboundDocument, insertIgnoringDuplicates, replyDocuments, takeoverEvent } from './documents.js';
import { conversationAfter, profileAfter, waitingSinceAfter } from './snapshot.js';
import type { TurnConsent, TurnContext, TurnReply } from './types.js';

/**
 * The turn's replies as the commit will store them (deterministic ids, so a retried turn stores
 * them once), with where each goes. Made before the commit, so their first delivery attempt can
 * be made before it and stored with them (see core/pipeline/first-delivery.ts).
 */
export function turnReplies(turn: TurnContext): TurnReply[] {
  const { address, conversation, inbound } = turn;
  const documents = replyDocuments(turn.collected.replies, {
    key: turn.id,
    address,
    conversation: conversation._id,
    order: turn.replyOrder,
    ...(inbound ? { inReplyTo: turn.id } : {}),
  });
  // Conversations stored before `lastInboundAt` existed have only the last message's time.
  const contactWrote = conversation.lastInboundAt ?? conversation.lastMessageAt;
  const lastInboundAt = contactWrote ? new Date(contactWrote).toISOString() : undefined;
  return documents.map((stored) => ({
    ref: { address, id: stored._id, ...(inbound ? { inReplyTo: inbound.platformId, receivedAt: inbound.receivedAt } : {}) },
    stored,
    ...(lastInboundAt ? { lastInboundAt } : {}),
  }));
}

/**
 * Writes what a turn collected, message and idle turns alike. Every write is idempotent
 * (deterministic ids, `$set`s), and they go in an order that makes a retry after a crash at
 * any point safe:
 * 1. leads, consents, typed contact fields, the bot's state (with the state it started from,
 *    so a retry starts there again) and timers;
 * 2. the turn's messages, the inbound message last and marked `processed`, in one write:
 *    finding it processed proves the turn is done;
 * 3. the notice version seen and the open-conversation pointer after a close.
 *
 * `replies` are {@link turnReplies}, with the outcome of any delivery attempt made already. The
 * rest are queued for delivery after this, so a reply is never queued before it is stored.
 */
export async function commitTurn(
  turn: TurnContext,
  options: {
    queues: Queues;
    replies: readonly TurnReply[];
    /** The inbound message is stored already, by an attempt that failed (see TurnRunner.recordFailure). */
    inboundStored?: boolean;
    /** The turn took the conversation from its snapshot: its new sequence and last message time are stored here, with the bot's state. */
    sequence?: boolean;
  },
): Promise<void> {
  const { address, conversation, collected, inbound } = turn;
  const { queues } = options;
  const replies = options.replies.map((r) => r.stored!);

  const leads = collected.leads.map((lead, i) => ({
    _id: leadId(turn.id, i),
    workspace: address.workspace,
    conversation: conversation._id,
    contact: conversation.contact,
    channel: address.channel,
    account: address.account,
    ...lead,
    ...(turn.workspace.crm ? { crm: { status: 'queued', attempts: 0 } } : {}),
  }));
  await insertIgnoringDuplicates(leads, Lead);
  if (turn.workspace.crm && leads.length) await queues.enqueueCrm(leads.map((l) => ({ workspace: address.workspace, leadId: l._id })));

  const consents: TurnConsent[] = [
    ...collected.consents,
    // A lead form's consent checkbox, ticked or not; the lead is the proof.
    ...leads.flatMap((lead) =>
      lead.consent
        ? [
            {
              ...lead.consent,
              textVersion: lead.consent.version ?? textVersion(lead.consent.text),
              evidence: { source: 'form', key: lead._id, ...(inbound ? { messageId: turn.id } : {}) },
            },
          ]
        : [],
    ),
    // The notice was shown; the reply that carried it (the turn's first) is the proof.
    ...(collected.noticeVersion
      ? [
          {
            purpose: 'notice',
            granted: true,
            textVersion: collected.noticeVersion,
            text: collected.replies[0]!.text,
            evidence: { source: 'first-contact', key: replies[0]!._id, messageId: replies[0]!._id },
          },
        ]
      : []),
  ];
  const at = inbound ? new Date(inbound.receivedAt) : undefined;
  for (const consent of consents) {
    await recordConsent({
      address,
      purpose: consent.purpose,
      granted: consent.granted,
      textVersion: consent.textVersion,
      ...(consent.text !== undefined ? { text: consent.text } : {}),
      evidence: consent.evidence,
      ...((consent.at ?? at) ? { at: consent.at ?? at } : {}),
    });
    if (consent.purpose === marketingPurpose && !consent.granted) {
      await followMarketingWithdrawal({ workspace: turn.workspace, queues, contact: conversation.contact, eventId: consent.evidence.key });
    }
  }

  const typed = Object.keys(collected.typed);
  if (typed.length) await Contact.updateOne({ _id: conversation.contact }, { $set: collected.typed, $addToSet: { typed: { $each: typed } } });

  const { bot, status, team, offline } = collected;
  const botChanged = bot?.state !== undefined || status || team;
  const waitingSince = waitingSinceAfter(turn);
  if (botChanged || options.sequence || offline) {
    const { seq, lastMessageAt, lastInboundAt, inboundCount, lastText, lastSender } = conversation;
    const unset = { ...(bot?.state !== undefined && bot.from === undefined ? { botPrevState: 1 } : {}), ...(offline === 'open' ? { offline: 1 } : {}) };
    await Conversation.updateOne(
      { _id: conversation._id },
      {
        $set: {
          // From the snapshot: the sequence and what the inbox shows (core/agents/inbox-summary.ts), set rather than incremented.
          ...(options.sequence ? { seq, lastMessageAt, inboundCount, lastText, lastSender, ...(lastInboundAt ? { lastInboundAt } : {}) } : {}),
          ...(botChanged ? { botTurn: turn.id } : {}),
          ...(botChanged && inbound ? { botInbound: turn.id } : {}),
          ...(bot?.state !== undefined ? { botState: bot.state, ...(bot.from !== undefined ? { botPrevState: bot.from } : {}) } : {}),
          ...(status ? { status } : {}),
          ...(waitingSince ? { waitingSince } : {}),
          ...(team ? { team } : {}),
          ...(offline && offline !== 'open' ? { offline } : {}),
        },
        ...(Object.keys(unset).length ? { $unset: unset } : {}),
      },
    );
  }
  // After the new status is stored: a reply the deliverer reads from now on is dropped or skipped.
  if (collected.takeover) await recordTakeover(turn, { queues, actor: collected.takeover.actor });
  // The bot handed off or closed it: on the conversation's timeline (the id makes a retried turn record it once).
  if (status === 'waiting' || status === 'closed') {
    const kind = status === 'waiting' ? 'handed_off' : 'closed';
    await insertIgnoringDuplicates(
      [
        {
          _id: turnEventId(turn.id, kind),
          workspace: address.workspace,
          conversation: conversation._id,
          kind,
          actor: 'bot',
          at: waitingSince ?? new Date(),
          ...(team ? { details: { team } } : {}),
        },
      ],
      ConversationEvent,
    );
  }
  if (collected.timers.length) {
    // Timers name the turn that set them: a later message makes them moot.
    await queues.scheduleIdle(
      address,
      collected.timers.map((t) => ({ conversation: String(conversation._id), inbound: turn.id, stage: t.stage, delayMs: t.afterMs })),
    );
  }

  if (inbound) {
    const processed = { status: 'processed' as const, processedAt: new Date(), replies: replies.length };
    if (options.inboundStored) {
      // Stored by an earlier attempt that failed (see TurnRunner.recordFailure): answer it now.
      await insertIgnoringDuplicates(replies);
      await Message.updateOne({ _id: turn.id }, { $set: processed });
    } else {
      // Replies first: wherever the inbound message is stored, its replies are too.
      const stored = await insertIgnoringDuplicates([
        ...replies,
        { ...inboundDocument({ id: turn.id, inbound, conversation: conversation._id, order: turn.replyOrder - 1 }), ...processed },
      ]);
      // A turn from the snapshot did not look: the message may be stored already, as failed.
      if (stored && options.sequence) await Message.updateOne({ _id: turn.id, status: { $ne: 'processed' } }, { $set: processed });
    }
  } else {
    await insertIgnoringDuplicates(replies);
  }

  // After the turn is stored: a crash before this shows the notice once more, never not at all.
  if (collected.noticeVersion) await Contact.updateOne({ _id: conversation.contact }, { $set: { noticeVersion: collected.noticeVersion } });
  // Closed: the contact's next message opens a new conversation.
  if (status === 'closed') await Contact.updateOne({ _id: conversation.contact, openConversation: conversation._id }, { $unset: { openConversation: 1 } });

  // The inbox, from what the turn holds (no read): a new message, or a status or team changed.
  if (inbound || status || team) {
    const after = conversationAfter(turn);
    await queues.inbox.update(after, inboxSummary(after, profileAfter(turn).name));
  }
  if (turn.workspace.events) await emitEvents(queues, turn.workspace, turnEvents(turn, replies));
  // Handed off: routing may give it to an agent at once (after this turn lets go of the conversation).
  if (status === 'waiting') queues.requestAssignment(turn.workspace);
  // After the messages are stored: a transcript holds this turn's too.
  if (turn.workspace.email) await queueEmails(queues, turn.workspace, turnEmails(turn, leads));
}

/** The e-mails a turn asks for: its leads to the business, the transcripts the contact asked for, a copy of a conversation the bot closed. */
function turnEmails(turn: TurnContext, leads: readonly { _id: string }[]): EmailRequest[] {
  const { conversation, collected, workspace } = turn;
  const business = workspace.email?.notify ?? workspace.email?.replyTo;
  const about = { conversation: conversation._id, contact: conversation.contact };
  const locale = turn.contact.profile.locale;
  const transcripts = collected.transcripts.flatMap((raw, i) => {
    const to = normaliseEmail(raw);
    return to ? [{ kind: 'transcript' as const, to, key: `${turn.id}:${i}`, ...about, ...(locale ? { locale } : {}) }] : [];
  });
  if (!business) return transcripts;
  return [
    ...leads.map((lead) => ({ kind: 'lead' as const, to: business, key: lead._id, lead: lead._id, ...about })),
    ...transcripts,
    ...(collected.status === 'closed' && workspace.email?.copyOnClose
      ? [{ kind: 'close-copy' as const, to: business, key: `${turn.id}:close`, ...about }]
      : []),
  ];
}

/** What the turn tells the workspace's event webhook, once it is stored. */
function turnEvents(turn: TurnContext, replies: readonly { _id: string }[]): NewEvent[] {
  const { conversation, inbound, collected } = turn;
  const id = String(conversation._id);
  return [
    // A conversation's first message is sequence 1.
    ...(inbound && conversation.seq === 1 ? [{ type: 'conversation.created' as const, conversation: id }] : []),
    ...(inbound ? [{ type: 'message.created' as const, conversation: id, message: turn.id }] : []),
    ...replies.map((r) => ({ type: 'message.created' as const, conversation: id, message: r._id })),
    ...(collected.status === 'waiting' ? [{ type: 'conversation.handoff' as const, conversation: id, key: turn.id }] : []),
    ...(collected.status === 'closed' ? [{ type: 'conversation.closed' as const, conversation: id, actor: 'bot', key: turn.id }] : []),
  ];
}

/**
 * People took the conversation in this turn (a business echo): the bot's replies still waiting to
 * go out are dropped, and the takeover joins the conversation's events. The event's id derives
 * from the turn, so a retried turn records it once.
 */
async function recordTakeover(turn: TurnContext, at: { queues: Queues; actor: string }): Promise<void> {
  const reason = 'the business answered from its own device before it was delivered';
  const dropped = await dropUndeliveredBotReplies(at.queues, { key: mailboxKey(turn.address), reason });
  await insertIgnoringDuplicates(
    [takeoverEvent({ turn: turn.id, address: turn.address, conversation: turn.conversation._id, actor: at.actor, dropped })],
    ConversationEvent,
  );
}
