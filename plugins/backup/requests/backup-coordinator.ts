import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { ConcurrencyError } from '../events';
import type { REQUEST_SOURCES } from '../events/vocabulary';
import type { Journal } from '../projections/journal';
import type { BackupOptions, BackupOutcome } from '../take-backup/run-backup';
import { BackupAlreadyRunningError } from '../take-backup/backup-lock';
import { PENDING_REQUESTS, REQUEST_STATUS } from './sql';

export type RequestSource = (typeof REQUEST_SOURCES)[number];

export interface BackupRequest {
  source: RequestSource;
  reason: string;
  requestedBy: string;
  /** Idempotency: the same id twice is one request (pg-boss retries reuse the job id). */
  requestId?: string;
  /** NOTIFY: the backend that sent it (then `requestedBy` is its role) and what the payload claimed. */
  sender?: { pid: number; role: string | null };
  claimedRequestedBy?: string;
}

export type RequestStatus = 'pending' | 'running' | 'served' | 'retrying' | 'failed';

export interface RequestState {
  requestId: string;
  status: RequestStatus;
  backupId: string | null;
}

export interface CoordinatorOptions {
  pool: Pool;
  journal: Journal;
  runBackup: (options: BackupOptions) => Promise<BackupOutcome>;
  logger?: Logger;
  /** Safety net for lost NOTIFYs and requests made while no host listened (default 30 s). */
  pollIntervalMs?: number;
  /** Delay before retrying after a failed backup (doubles, at most 15 min). */
  retryBaseMs?: number;
  /**
   * Delay before looking again when another process holds the backup lock (default 5 s): a host
   * re-checks after its own run, but a CLI `backup` serves only its own request.
   */
  lockRetryMs?: number;
  /** Closes runs whose process died, so that the requests they held become pending again. */
  closeStaleRuns?: () => Promise<unknown>;
}

/**
 * Turns requests into backups. Every request is an event first (so none is lost); the drain loop
 * serves all pending requests with one backup, and requests that arrive while it runs with
 * exactly one follow-up. Across hosts, the backup lock decides who dumps; the others stand by.
 */
export class BackupCoordinator {
  #draining: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #abort = new AbortController();

  constructor(private readonly options: CoordinatorOptions) {}

  start(): void {
    const every = this.options.pollIntervalMs ?? 30_000;
    this.#poll = setInterval(() => this.wake(), every);
    this.#poll.unref();
    this.wake();
  }

  /** Records a BackupRequested event and wakes the loop; returns the request id. */
  async request(request: BackupRequest): Promise<string> {
    const requestId = request.requestId ?? randomUUID();
    try {
      await this.options.journal.append(
        `request-${requestId}`,
        [
          {
            type: 'BackupRequested',
            data: {
              requestId,
              source: request.source,
              reason: request.reason,
              requestedBy: request.requestedBy,
              ...(request.sender ? { sender: request.sender } : {}),
              ...(request.claimedRequestedBy !== undefined ? { claimedRequestedBy: request.claimedRequestedBy } : {}),
            },
          },
        ],
        { expectedVersion: 'no_stream' },
      );
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error; // the same request again: already recorded
    }
    this.wake();
    return requestId;
  }

  async status(requestId: string): Promise<RequestState | undefined> {
    const { rows } = await this.options.pool.query<{ status: RequestStatus; backup_id: string | null }>(REQUEST_STATUS, [requestId]);
    const row = rows[0];
    return row && { requestId, status: row.status, backupId: row.backup_id };
  }

  /**
   * Resolves once the request was served or finally failed (`retrying` counts as not served yet),
   * or once `settled` says so. Rejects with the signal's reason when it is aborted.
   */
  async waitFor(
    requestId: string,
    options: { signal?: AbortSignal; intervalMs?: number; onState?: (s: RequestState) => void; settled?: (s: RequestState) => boolean } = {},
  ): Promise<RequestState> {
    const settled = options.settled ?? ((s: RequestState) => s.status === 'served' || s.status === 'failed');
    for (;;) {
      options.signal?.throwIfAborted();
      const state = await this.status(requestId);
      if (state) options.onState?.(state);
      if (state && settled(state)) return state;
      await sleep(options.intervalMs ?? 250, options.signal);
    }
  }

  /** Asks the loop to look for pending requests (NOTIFY, poll, reconnect, start). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  /** Stops taking work; a running backup is aborted after `graceMs` (its requests stay pending for the next start). */
  async stop(graceMs = 30_000): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#poll);
    clearTimeout(this.#timer);
    if (!this.#draining) return;
    const timer = setTimeout(() => this.#abort.abort(new Error('the host is stopping')), graceMs);
    await this.#draining.catch(() => undefined);
    clearTimeout(timer);
  }

  #wakeLater(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), delayMs);
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    do {
      this.#again = false;
      if (this.#stopped) return;
      let pending: string[];
      try {
        await this.options.closeStaleRuns?.();
        pending = (await this.options.pool.query<{ request_id: string }>(PENDING_REQUESTS)).rows.map((r) => r.request_id);
      } catch (error) {
        this.options.logger?.warn({ err: (error as Error).message }, 'could not read pending backup requests; the next poll retries');
        return;
      }
      if (pending.length === 0) continue;
      try {
        await this.options.runBackup({ requestIds: pending, signal: this.#abort.signal });
        this.#failures = 0;
        this.#again = true; // look again: requests that came during the run get one follow-up
      } catch (error) {
        if (error instanceof BackupAlreadyRunningError) {
          this.options.logger?.info('another process is backing up this database; pending requests wait for the lock');
          this.#wakeLater(this.options.lockRetryMs ?? 5_000);
          return;
        }
        this.#failures++;
        const delay = Math.min(15 * 60_000, (this.options.retryBaseMs ?? 30_000) * 2 ** (this.#failures - 1));
        // The failure is the backup's own end line; this says only what happens next.
        this.options.logger?.info({ retryInMs: delay, pending: pending.length }, 'pending backup requests will be retried after the failed backup');
        this.#wakeLater(delay);
        return;
      }
    } while (this.#again);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
