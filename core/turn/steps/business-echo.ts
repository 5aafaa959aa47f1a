import type { TurnStep } from '../types.js';

/**
 * The business wrote to the contact from its own device or inbox (a platform's echo, see
 * `InboundMessage.fromBusiness`): a person answered, so people have the conversation from now on,
 * as if an agent had taken it in the console (core/agents/takeover.ts), with no assignee. The
 * message is stored as an agent's, the bot's replies not delivered yet are dropped at the commit,
 * and nothing after this step runs: the business's words are no keyword, form or answer of the
 * contact's. A conversation people have already (`agent`) only gets the message.
 */
export const businessEcho: TurnStep = async (turn, next) => {
  if (!turn.inbound?.fromBusiness) return next();
  if (turn.conversation.status === 'agent') return;
  turn.collected.status = 'agent';
  turn.collected.takeover = { actor: `echo:${turn.address.channel}` };
};
