import type { TurnStep } from '../types.js';

/**
 * A person whose processing is restricted (GDPR Art. 18, `switchboard privacy restrict`): the
 * message is stored, and that is all. No notice, no bot, no form, no lead, no CRM. It runs after
 * STOP/START, which are the person's own instruction about messages to them and stay honoured.
 *
 * A person who objected (Art. 21) is answered as usual, but gets no idle reminders: an
 * unprompted follow-up rests on legitimate interest, which they objected to. (The idle close
 * stays: it sends nothing of that kind and ends the conversation on time.)
 */
export const restriction: TurnStep = async (turn, next) => {
  if (turn.contact.restricted) return;
  // A reminder set before the objection is moot now.
  if (turn.contact.objected && turn.idle === 'remind') return;
  await next();
  const { timers } = turn.collected;
  if (turn.contact.objected) timers.splice(0, timers.length, ...timers.filter((t) => t.stage !== 'remind'));
};
