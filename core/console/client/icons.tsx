/** Channel icons as inline SVG (24×24, currentColor): no emoji font or image request needed. */
const paths: Record<string, string> = {
  // A speech bubble.
  widget: 'M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
  // A paper plane.
  telegram:
    'M21.5 3.5 2.8 10.7c-.9.4-.9 1.6 0 1.9l4.6 1.6 1.8 5.6c.3.8 1.3 1 1.9.4l2.6-2.5 4.6 3.4c.7.5 1.7.1 1.9-.7L23 4.8c.2-1-.6-1.7-1.5-1.3zM9.8 14.2l8.1-7.3-6.4 8.3-.3 3z',
  // A round bubble with a lightning stroke.
  messenger:
    'M12 2C6.5 2 2 6.1 2 11.2c0 2.9 1.5 5.5 3.8 7.2V22l3.4-1.9c.9.3 1.8.4 2.8.4 5.5 0 10-4.1 10-9.2S17.5 2 12 2zm1 12.4-2.6-2.7-5 2.7 5.5-5.8 2.6 2.7 4.9-2.7z',
  // A round bubble with a handset.
  whatsapp:
    'M12 2a10 10 0 0 0-8.6 15.1L2 22l5-1.3A10 10 0 1 0 12 2zm5.3 13.9c-.2.6-1.3 1.2-1.8 1.2-.5.1-1 .1-3.1-.7-2.6-1-4.3-3.7-4.4-3.9-.1-.2-1-1.4-1-2.6s.6-1.9.9-2.1c.2-.3.5-.3.7-.3h.5c.2 0 .4 0 .6.5l.8 2c.1.2.1.4 0 .5l-.4.6-.4.4c-.1.1-.3.3-.1.6.2.3.8 1.3 1.7 2.1 1.2 1 2.1 1.4 2.4 1.5.3.2.5.1.6 0l.9-1.1c.2-.3.4-.2.7-.1l1.9.9c.3.1.5.2.5.3.1.2.1.8-.1 1.3z',
  // Four panes.
  botframework: 'M3 3h8v8H3zm10 0h8v8h-8zM3 13h8v8H3zm10 0h8v8h-8z',
  // Angle brackets.
  api: 'M8.6 6.6 7.2 5.2 0.4 12l6.8 6.8 1.4-1.4L3.2 12zm6.8 0L20.8 12l-5.4 5.4 1.4 1.4 6.8-6.8-6.8-6.8z',
};
const fallback = 'M12 3a9 9 0 1 1 0 18 9 9 0 0 1 0-18z';

export function ChannelIcon({ channel }: { channel: string }) {
  return (
    <svg class={`channel-icon channel-${channel}`} viewBox="0 0 24 24" width="18" height="18" role="img" aria-label={channel}>
      <title>{channel}</title>
      <path d={paths[channel] ?? fallback} fill="currentColor" />
    </svg>
  );
}
