import type { Logger } from 'pino';
import { redactSecrets } from '../../../src/config/secrets';
import type { Journal } from '../projections/journal';
import type { RequestSource } from './backup-coordinator';

export const REJECTIONS_STREAM = 'request-rejections';

export interface RejectionAuditOptions {
  journal: Journal;
  secrets: readonly string[];
  logger?: Logger;
  /** Rejections audited one by one per window (default 20); the rest are counted. */
  maxPerWindow?: number;
  windowMs?: number;
}

/**
 * Records invalid requests as RequestRejected events, rate-limited: at most `maxPerWindow` per
 * window one by one, the rest counted and summarised in one event per source when the window
 * ends. Never throws: a flood of garbage must not stop the host or fill the event log.
 */
export class RejectionAudit {
  #windowStart = 0;
  #audited = 0;
  #suppressed = new Map<RequestSource, number>();
  #timer: NodeJS.Timeout | undefined;
  #writes: Promise<void> = Promise.resolve();

  constructor(private readonly options: RejectionAuditOptions) {}

  /** @param sizeBytes the request's size when `raw` is only a part of it (default: raw's size) */
  reject(source: RequestSource, reason: string, raw: string | Buffer | undefined, sizeBytes?: number): void {
    const now = Date.now();
    const windowMs = this.options.windowMs ?? 60_000;
    if (now - this.#windowStart >= windowMs) {
      this.#windowStart = now;
      this.#audited = 0;
    }
    const text = raw === undefined ? '' : typeof raw === 'string' ? raw : raw.toString('utf8');
    const size = sizeBytes ?? Buffer.byteLength(text);
    this.options.logger?.warn({ source, reason: reason.slice(0, 200), sizeBytes: size }, 'backup request rejected');
    if (this.#audited < (this.options.maxPerWindow ?? 20)) {
      this.#audited++;
      this.#append(source, reason, this.#sample(text), size);
      return;
    }
    this.#suppressed.set(source, (this.#suppressed.get(source) ?? 0) + 1);
    if (!this.#timer) {
      this.#timer = setTimeout(() => this.#summarise(), Math.max(0, this.#windowStart + windowMs - now));
      this.#timer.unref();
    }
  }

  /** Writes the pending summary now and waits for every audit write (stop, tests). */
  async flush(): Promise<void> {
    this.#summarise();
    await this.#writes;
  }

  #summarise(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [source, count] of this.#suppressed) {
      this.#append(source, `${count} more rejected ${source} request(s) in this window, not audited one by one (rate limit)`, '', 0);
    }
    this.#suppressed.clear();
  }

  #append(source: RequestSource, reason: string, sample: string, sizeBytes: number): void {
    const event = { type: 'RequestRejected' as const, data: { source, reason: reason.slice(0, 500) || 'invalid', sample, sizeBytes } };
    this.#writes = this.#writes
      .then(() => this.options.journal.append(REJECTIONS_STREAM, [event]))
      .catch((error: Error) => this.options.logger?.error({ err: error.message }, 'could not record RequestRejected'));
  }

  // jsonb refuses NUL and lone surrogates; secrets never reach an event.
  #sample(text: string): string {
    const redacted = redactSecrets(text, this.options.secrets);
    let out = '';
    for (const ch of redacted.replaceAll('\u0000', '\uFFFD').toWellFormed()) {
      if (out.length + ch.length > 200) break;
      out += ch;
    }
    return out;
  }
}
