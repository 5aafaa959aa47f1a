import type { ChannelCapabilities } from './adapter.js';
import type { Choice } from './message.js';

/** A reply as one channel will show it. */
export interface RenderedReply {
  text: string;
  /** Buttons, when the channel shows them; absent when they were folded into `text`. */
  choices?: Choice[];
}

/**
 * Fits a reply to a channel: buttons where the channel has enough of them and
 * the labels fit, otherwise a numbered list in the text (the flow engine takes
 * "2" or the label as the answer either way). Text beyond the channel's limit is
 * cut with an ellipsis rather than refused by the platform.
 */
export function renderForChannel(reply: { text: string; choices?: readonly Choice[] }, capabilities: ChannelCapabilities): RenderedReply {
  const choices = reply.choices ?? [];
  const buttons = choices.length > 0 && choices.length <= capabilities.maxChoices && choices.every((c) => c.label.length <= capabilities.maxChoiceLabelLength);
  if (!choices.length || buttons) {
    return { text: fit(reply.text, capabilities.maxTextLength), ...(buttons ? { choices: choices.map((c) => ({ ...c })) } : {}) };
  }
  const list = choices.map((c, i) => `${i + 1}. ${c.label}`).join('\n');
  return { text: fit(`${reply.text}\n\n${list}`, capabilities.maxTextLength) };
}

function fit(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
