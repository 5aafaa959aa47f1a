/**
 * Per-visitor inbound limit: a token bucket per visitor in this process (all of a visitor's tabs
 * on this process share it). Kept in memory on purpose: it guards this process's queue writes,
 * and a visitor is rarely spread over many processes. Idle buckets are dropped by `sweep`.
 */
export class VisitorRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limits: { burst: number; perSecond: number }) {}

  /** Takes one token; returns 0 when allowed, else the milliseconds until one is available. */
  take(visitor: string, now = Date.now()): number {
    const { burst, perSecond } = this.limits;
    const b = this.buckets.get(visitor) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.buckets.set(visitor, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / perSecond) * 1000);
  }

  /** Forgets buckets that have refilled completely (they hold no information). */
  sweep(now = Date.now()): void {
    const { burst, perSecond } = this.limits;
    for (const [visitor, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * perSecond >= burst) this.buckets.delete(visitor);
  }
}
