/** Hours since the contact last wrote (`OutboundMessage.lastInboundAt`); undefined when unknown. */
export function hoursSince(lastInboundAt: string | undefined, now = Date.now()): number | undefined {
  if (!lastInboundAt) return undefined;
  const at = Date.parse(lastInboundAt);
  return Number.isFinite(at) ? (now - at) / 3_600_000 : undefined;
}
