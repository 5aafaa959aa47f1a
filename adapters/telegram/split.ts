/**
 * sendMessage takes 1-4096 characters (https://core.telegram.org/bots/api#sendmessage); Telegram
 * counts text in UTF-16 code units (as its entity offsets do), so we measure with `.length`.
 */
export const maxMessageLength = 4096;

/**
 * Splits a reply into messages Telegram accepts, each at most `max` UTF-16 code units: at the
 * last paragraph break, else line break, else space in the second half of the window, so a part
 * is never cut mid-word unless a "word" is longer than half a message; never inside a surrogate
 * pair. The whitespace a part is split at is dropped; nothing else is.
 */
export function splitText(text: string, max = maxMessageLength): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    const cut = breakAt(window, '\n\n', max) ?? breakAt(window, '\n', max) ?? breakAt(window, ' ', max);
    if (cut) {
      parts.push(rest.slice(0, cut.at));
      rest = rest.slice(cut.at + cut.length);
    } else {
      // A high surrogate as the last unit would split a character in two.
      const at = isHighSurrogate(rest.charCodeAt(max - 1)) ? max - 1 : max;
      parts.push(rest.slice(0, at));
      rest = rest.slice(at);
    }
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

/** The last `sep` whose preceding text fits in `max` and fills at least half of it. */
function breakAt(window: string, sep: string, max: number): { at: number; length: number } | undefined {
  const at = window.lastIndexOf(sep, max);
  return at >= max / 2 && at <= max ? { at, length: sep.length } : undefined;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
