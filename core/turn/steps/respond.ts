import { textVersion } from '../../consent.js';
import type { Responder } from '../../responder.js';
import type { TurnStep } from '../types.js';

/**
 * The bot (a flow, or the auto-reply), while it owns the conversation: once people have it
 * (`waiting`, `agent`) the bot stays silent and the message is only stored.
 *
 * A retry of a turn whose state was already stored (a crash before its messages were) starts
 * from the state that turn started from, so the bot's step is not taken twice and the
 * deterministic ids of what it produces dedupe the rest.
 */
export function respond(responder: Responder): TurnStep {
  return async function respond(turn, next) {
    const { conversation, collected } = turn;
    // `botInbound` marked the last bot turn before idle turns were marked too.
    const retry = (conversation.botTurn ?? conversation.botInbound) === turn.id;
    if (!retry && conversation.status !== 'bot') return;
    const from = (retry ? conversation.botPrevState : conversation.botState) ?? undefined;
    const outcome = await responder.respond({
      workspace: turn.workspace,
      conversation,
      contact: turn.contact.profile,
      address: turn.address,
      ...(turn.inbound ? { message: turn.inbound } : {}),
      ...(turn.idle ? { idle: turn.idle } : {}),
      state: from,
    });
    collected.replies.push(...outcome.replies);
    collected.leads.push(...(outcome.leads ?? []));
    collected.transcripts.push(...(outcome.transcripts ?? []));
    // Consent taken in words (a flow's `@stop` intent: no more marketing), with the message as proof.
    for (const [i, c] of (outcome.consents ?? []).entries()) {
      collected.consents.push({
        purpose: c.purpose,
        granted: c.granted,
        text: c.text,
        textVersion: textVersion(c.text),
        evidence: { source: 'flow-intent', key: `${turn.id}:consent:${i}`, ...(turn.inbound ? { messageId: turn.id } : {}) },
      });
    }
    collected.bot = { ...(outcome.state !== undefined ? { state: outcome.state } : {}), ...(from !== undefined ? { from } : {}) };
    if (outcome.status) collected.status = outcome.status;
    if (outcome.team) collected.team = outcome.team;
    // A message turn sets all of the conversation's idle timers (remind, close) at once; an idle turn sets none.
    if (turn.inbound) collected.timers.push(...(outcome.timers ?? []));
    await next();
  };
}
