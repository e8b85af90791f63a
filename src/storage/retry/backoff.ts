export interface BackoffOptions {
  /** The first delay's ceiling, ms. */
  baseDelayMs: number;
  /** No delay is longer, ms. */
  maxDelayMs: number;
  /** [0, 1): Math.random by default; a test passes its own. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter (AWS's "Exponential Backoff And Jitter"): before retry n
 * (1, 2, …) wait a uniformly random time in [0, min(max, base × 2^(n-1))]. The jitter keeps
 * writers that failed together from retrying together.
 */
export function backoffDelay(retry: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}
