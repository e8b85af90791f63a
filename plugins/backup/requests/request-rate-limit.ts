/**
 * At most `maxPerWindow` requests per key (a NOTIFY sender's role) in each fixed window. A
 * request beyond it is refused, and the caller audits the refusal (RejectionAudit summarises a
 * flood), so a login that can NOTIFY cannot fill the event log with requests.
 */
export class RequestRateLimit {
  #windowStart = Number.NEGATIVE_INFINITY;
  #counts = new Map<string, number>();

  constructor(
    readonly maxPerWindow: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the key may make one more request now (and counts it). */
  take(key: string): boolean {
    const now = this.now();
    if (now - this.#windowStart >= this.windowMs) {
      this.#windowStart = now;
      this.#counts.clear();
    }
    const used = this.#counts.get(key) ?? 0;
    if (used >= this.maxPerWindow) return false;
    this.#counts.set(key, used + 1);
    return true;
  }
}
