import type { Responder } from '../responder.js';
import { businessEcho } from './steps/business-echo.js';
import { consentKeywords } from './steps/consent-keywords.js';
import { channelOwnForms } from './steps/own-forms.js';
import { privacyNotice } from './steps/privacy-notice.js';
import { redactionReply } from './steps/redaction-reply.js';
import { offlineHandoff } from './steps/offline-handoff.js';
import { respond } from './steps/respond.js';
import { restriction } from './steps/restriction.js';
import type { OwnForms, TurnStep } from './types.js';

/**
 * The steps of every turn, in order: the table of contents of what the hub does with one
 * inbound message or idle timer. Each step may end the turn (by not calling `next`); whatever
 * the steps collected is then written by one commit (`commit.ts`).
 *
 * A new concern of every turn (redaction, restriction, takeover, assignment) is a new step here.
 */
export function turnSteps(options: {
  responder: Responder;
  ownForms: (channel: string) => OwnForms | undefined;
  /** How many wait in the team's queue (the workspace's, for none) already. */
  inLine: (workspace: string, team?: string) => Promise<number>;
}): TurnStep[] {
  return [
    businessEcho, // the business wrote from its own device: people have the conversation, nothing else runs
    consentKeywords, // STOP / START; a contact who said STOP is answered by nobody
    restriction, // processing restricted: stored, nothing more; objected: no idle reminders
    privacyNotice, // the notice first, to a contact who has not seen its current version
    redactionReply, // a card number (or a workspace pattern) was removed as the message arrived: say so
    channelOwnForms(options.ownForms), // forms the channel's own client shows (the widget's pre-chat and offline forms)
    offlineHandoff(options), // a handoff while the team is closed says when people answer (the next message becomes a lead), else the place in line
    respond(options.responder), // the bot, while it owns the conversation
  ];
}
