import { createHash, createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebhookSettings } from '../settings/webhook';
import type { ChannelNotice, NoticeChannel } from './channels';

export const SIGNATURE_HEADER = 'x-cotton-signature';
const ATTEMPT_TIMEOUT_MS = 10_000;
const MAX_DELAY_MS = 60_000;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver refuses an old `t` (replay). */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

/** The JSON a receiver gets; `id` is stable across retries and retried startups (dedupe on it). */
export function webhookBody(notice: ChannelNotice, sentAt: Date): string {
  const id = createHash('sha256').update(`${notice.kind}|${notice.dedupKey}`).digest('hex').slice(0, 32);
  const { kind, title, content, priority, metadata } = notice;
  return JSON.stringify({ id, source: 'cotton-backup', kind, title, content, priority, metadata, sentAt: sentAt.toISOString() });
}

export interface WebhookOptions {
  logger?: Logger;
  /** First retry's upper bound (ms); doubles each attempt, up to a minute, full jitter. */
  baseDelayMs?: number;
}

/**
 * Delivers notices to one URL in the background: POST, retried after a network error, a
 * timeout, a 429 or a 5xx with exponential backoff and full jitter, up to `attempts`; any other
 * status is the receiver's refusal and is not retried. A notice's fate is logged (a give-up at
 * error level), never recorded as an event: the notice itself is (AdminsNotified), and a
 * receiver's outage is no fact about the backups. Neither the secret nor the URL's path, query
 * or credentials are logged: only its origin.
 */
export class WebhookNotifier implements NoticeChannel {
  readonly #settings: WebhookSettings;
  readonly #logger?: Logger;
  readonly #baseDelayMs: number;
  readonly #origin: string;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stopping = new AbortController();

  constructor(settings: WebhookSettings, options: WebhookOptions = {}) {
    this.#settings = settings;
    this.#logger = options.logger;
    this.#baseDelayMs = options.baseDelayMs ?? 1000;
    this.#origin = new URL(settings.url).origin;
  }

  send(notice: ChannelNotice): void {
    if (this.#stopping.signal.aborted) return;
    const delivery = this.#deliver(notice).finally(() => this.#inFlight.delete(delivery));
    this.#inFlight.add(delivery);
  }

  /** Waits up to `graceMs` for deliveries in flight, then abandons the rest (logged). */
  async stop(graceMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all([...this.#inFlight]), deadline]);
    clearTimeout(timer);
    const abandoned = this.#inFlight.size;
    this.#stopping.abort();
    if (abandoned > 0) this.#logger?.error({ webhook: this.#origin, abandoned }, 'webhook: stopping with deliveries still pending; they are given up');
    await Promise.all([...this.#inFlight]);
  }

  async #deliver(notice: ChannelNotice): Promise<void> {
    const body = webhookBody(notice, new Date());
    const where = { webhook: this.#origin, kind: notice.kind };
    for (let attempt = 1; attempt <= this.#settings.attempts; attempt++) {
      const outcome = await this.#attempt(body);
      if (outcome === 'delivered') return void this.#logger?.info({ ...where, attempt }, 'webhook: notice delivered');
      if (this.#stopping.signal.aborted) return;
      if (outcome.retry === false) return void this.#logger?.error({ ...where, attempt, problem: outcome.problem }, 'webhook: the receiver refused the notice; not retried');
      if (attempt === this.#settings.attempts) break;
      this.#logger?.warn({ ...where, attempt, problem: outcome.problem }, 'webhook: delivery failed; retrying');
      await this.#pause(Math.random() * Math.min(MAX_DELAY_MS, this.#baseDelayMs * 2 ** (attempt - 1)));
    }
    if (!this.#stopping.signal.aborted) this.#logger?.error({ ...where, attempts: this.#settings.attempts }, 'webhook: notice given up after every attempt failed');
  }

  async #attempt(body: string): Promise<'delivered' | { retry: boolean; problem: string }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'cotton-backup' };
    if (this.#settings.secret) headers[SIGNATURE_HEADER] = signatureHeader(this.#settings.secret, body, Math.floor(Date.now() / 1000));
    try {
      const signal = AbortSignal.any([this.#stopping.signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]);
      const res = await fetch(this.#settings.url, { method: 'POST', headers, body, signal, redirect: 'manual' });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return 'delivered';
      return { retry: res.status === 429 || res.status >= 500, problem: `HTTP ${res.status}` };
    } catch (error) {
      // fetch's message names no URL; its cause (ECONNREFUSED, a timeout) says what failed.
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      return { retry: true, problem: String(cause) };
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.#stopping.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}
