/** Peak resident set size of this process, sampled on a timer (default every 20 ms). */
export class RssSampler {
  #peak: number;
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs = 20) {
    this.#peak = process.memoryUsage.rss();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    this.#peak = Math.max(this.#peak, process.memoryUsage.rss());
  }

  /** Stops sampling; the peak seen, bytes. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.#peak;
  }
}
