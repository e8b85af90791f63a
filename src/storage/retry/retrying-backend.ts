import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackendWriteOptions, ByteSource, StorageBackend, StoreWriteResult } from '../backend/storage-backend';
import { backoffDelay, type BackoffOptions } from './backoff';

export interface RetryOptions extends Partial<BackoffOptions> {
  /** Tries per operation, the first included (default 4). */
  maxAttempts?: number;
  /** Told of every retry (logging): the operation, the attempt that failed, the wait before the next. */
  onRetry?: (event: { operation: string; attempt: number; delayMs: number; error: unknown }) => void;
  /** Waits `ms` (tests make it instant). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Retries around a backend (restic's backend/retry): an operation that failed transiently, as the
 * backend itself judges (isPermanent), is tried again after an exponential backoff with jitter,
 * up to maxAttempts. Retried, because they can be replayed: size, exists, delete, probe,
 * openRead (until it has a stream: no byte has reached the caller), list (resumed after the last
 * key yielded where the backend lists in key order, else restarted with the keys yielded skipped), and writes given a `replay` (the pipeline gives one when it holds the
 * plaintext in memory or the caller gave one: every chunk, manifest and pointer). Not retried: a
 * write of a stream without `replay` (its bytes are spent), reading a stream once it is open (the
 * caller has consumed part of it: a restore then fails without refusing the backup), sweep (never
 * throws) and close.
 */
export class RetryingBackend implements StorageBackend {
  readonly #maxAttempts: number;
  readonly #backoff: BackoffOptions;
  readonly #onRetry: RetryOptions['onRetry'];
  readonly #sleep: (ms: number) => Promise<void>;
  /** The inner backend's readInto when it has one, retried: a retry writes the caller's region again from its start. */
  readonly readInto?: StorageBackend['readInto'];
  readonly readMarker?: StorageBackend['readMarker'];
  readonly createMarker?: StorageBackend['createMarker'];

  constructor(
    readonly inner: StorageBackend,
    options: RetryOptions = {},
  ) {
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.#backoff = { baseDelayMs: options.baseDelayMs ?? 200, maxDelayMs: options.maxDelayMs ?? 5_000, random: options.random };
    this.#onRetry = options.onRetry;
    this.#sleep = options.sleep ?? ((ms) => sleep(ms));
    const readInto = inner.readInto?.bind(inner);
    if (readInto) this.readInto = (key, out, offset, maxBytes, signal) => this.#retry(`read ${key}`, () => readInto(key, out, offset, maxBytes, signal));
    const readMarker = inner.readMarker?.bind(inner);
    if (readMarker) this.readMarker = (name) => this.#retry(`read ${name}`, () => readMarker(name));
    // A retry after a lost answer may find its own marker there: false, then the caller reads it back.
    const createMarker = inner.createMarker?.bind(inner);
    if (createMarker) this.createMarker = (name, bytes) => this.#retry(`write ${name}`, () => createMarker(name, bytes));
  }

  get description(): string {
    return this.inner.description;
  }

  /** Runs `attempt(n)` until it succeeds, fails permanently, or the attempts are spent. */
  async #retry<T>(operation: string, attempt: (n: number) => Promise<T>, canRetry: () => boolean = () => true): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt(n);
      } catch (error) {
        if (n >= this.#maxAttempts || this.inner.isPermanent(error) || !canRetry()) throw error;
        const delayMs = backoffDelay(n, this.#backoff);
        this.#onRetry?.({ operation, attempt: n, delayMs, error });
        await this.#sleep(delayMs);
      }
    }
  }

  write(key: string, source: ByteSource, options: BackendWriteOptions = {}): Promise<StoreWriteResult> {
    const replay = options.replay;
    return this.#retry(
      `write ${key}`,
      // A retry looks again before it writes: the failed attempt may have stored the object after all.
      (n) => this.inner.write(key, n === 1 ? source : replay!(), n === 1 ? options : { ...options, checkedAbsent: false }),
      () => replay !== undefined,
    );
  }

  openRead(key: string): Promise<Readable> {
    return this.#retry(`read ${key}`, () => this.inner.openRead(key));
  }

  size(key: string): Promise<number | undefined> {
    return this.#retry(`look up ${key}`, () => this.inner.size(key));
  }

  exists(key: string): Promise<boolean> {
    return this.#retry(`look up ${key}`, () => this.inner.exists(key));
  }

  delete(key: string): Promise<boolean> {
    return this.#retry(`delete ${key}`, () => this.inner.delete(key));
  }

  get listsInKeyOrder(): boolean | undefined {
    return this.inner.listsInKeyOrder;
  }

  /**
   * The inner listing, after a transient failure resumed after the last key yielded where the
   * backend lists in key order (S3: nothing held, whatever the bucket's size), else restarted
   * from the beginning with the keys already yielded skipped (remembered: about 100 bytes a key).
   */
  async *list(options: { startAfter?: string } = {}): AsyncGenerator<string> {
    const yielded = this.inner.listsInKeyOrder ? undefined : new Set<string>();
    let last = options.startAfter;
    for (let n = 1; ; n++) {
      try {
        for await (const key of this.inner.list(yielded || last === undefined ? {} : { startAfter: last })) {
          if (yielded?.has(key)) continue;
          yielded?.add(key);
          last = key;
          yield key;
        }
        return;
      } catch (error) {
        if (n >= this.#maxAttempts || this.inner.isPermanent(error)) throw error;
        const delayMs = backoffDelay(n, this.#backoff);
        this.#onRetry?.({ operation: 'list', attempt: n, delayMs, error });
        await this.#sleep(delayMs);
      }
    }
  }

  probe(): Promise<void> {
    return this.#retry('probe', () => this.inner.probe());
  }

  sweep(): Promise<number> {
    return this.inner.sweep();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  isNotFound(error: unknown): boolean {
    return this.inner.isNotFound(error);
  }

  isPermanent(error: unknown): boolean {
    return this.inner.isPermanent(error);
  }
}
