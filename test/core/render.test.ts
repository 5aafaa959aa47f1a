import { describe, expect, it } from 'vitest';
import type { ChannelCapabilities } from '../../core/adapter.js';
import { renderForChannel } from '../../core/render.js';

const caps = (maxChoices: number, maxChoiceLabelLength = 20, maxTextLength = 4096): ChannelCapabilities => ({
  maxTextLength,
  maxChoices,
  maxChoiceLabelLength,
  forms: false,
  typing: false,
  media: false,
});
const choices = [
  { id: 'hours', label: 'Opening hours' },
  { id: 'callback', label: 'Call me back' },
  { id: 'human', label: 'Talk to a human' },
];

describe('rendering replies for a channel', () => {
  it('keeps buttons where the channel shows them', () => {
    expect(renderForChannel({ text: 'Hi!', choices }, caps(3))).toEqual({ text: 'Hi!', choices });
  });

  it('folds choices into a numbered list where the channel has no buttons, too few, or too short labels', () => {
    const numbered = { text: 'Hi!\n\n1. Opening hours\n2. Call me back\n3. Talk to a human' };
    expect(renderForChannel({ text: 'Hi!', choices }, caps(0))).toEqual(numbered);
    expect(renderForChannel({ text: 'Hi!', choices }, caps(2))).toEqual(numbered);
    expect(renderForChannel({ text: 'Hi!', choices }, caps(3, 12))).toEqual(numbered);
  });

  it('cuts text over the channel limit with an ellipsis, counting characters not bytes', () => {
    expect(renderForChannel({ text: 'žluťoučký kůň' }, caps(0, 20, 6))).toEqual({ text: 'žluťo…' });
    expect(renderForChannel({ text: 'short' }, caps(0, 20, 6))).toEqual({ text: 'short' });
  });
});
