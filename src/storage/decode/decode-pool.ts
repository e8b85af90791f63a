import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DecodeFailure, DecodeReply, DecodeRequest } from './messages';
import { SharedRing } from './shared-ring';
import { decodeWorkerScript } from './worker-script';

/** What a worker made of one object: its plaintext is in the ring at the offset the caller reserved. */
export interface DecodedInRing {
  length: number;
  sha256: string;
  oversized: boolean;
}

/** A worker could not decode or write an object (see `failure.stage`). */
export class DecodeFailedError extends Error {
  constructor(readonly failure: DecodeFailure) {
    super(failure.message);
    this.name = 'DecodeFailedError';
  }
}

interface Pending {
  resolve: (decoded: DecodedInRing) => void;
  reject: (error: Error) => void;
  worker: Worker;
}

/** One worker per core, at most 2: the main thread hashes the whole dump meanwhile. */
export const defaultDecodeWorkers = () => Math.max(1, Math.min(2, availableParallelism()));

/**
 * Workers for a storage whose objects are read straight into the ring off the main thread
 * (`readInto`: the folder) or whose every byte first passes through the main thread (S3's HTTP
 * client). There the main thread is the bottleneck: at 300MB an S3 restore took 3.4–4.0 s with
 * one worker or two, and the second cost 16 MiB of RSS (a Node isolate), a twelfth of the
 * 200 MB budget. So one.
 */
export const decodeWorkersFor = (readsInto: boolean) => (readsInto ? defaultDecodeWorkers() : 1);

/**
 * Worker threads that decrypt, decompress and hash whole objects (decode-object.ts) from and into
 * a shared ring (shared-ring.ts) and, for a restore, write them into the dump file at their
 * position: verification runs on every core while the main thread hashes the whole.
 * Objects go to the least busy worker.
 */
export class DecodePool {
  readonly ring: SharedRing;
  readonly #workers: { worker: Worker; busy: number; alive: boolean }[] = [];
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #closed = false;

  constructor(masterKey: Buffer, options: { ringBytes: number; workers?: number }) {
    this.ring = new SharedRing(options.ringBytes);
    const script = decodeWorkerScript();
    for (let i = 0; i < (options.workers ?? defaultDecodeWorkers()); i++) {
      const worker = new Worker(script, {
        workerData: { masterKey: new Uint8Array(masterKey), ring: this.ring.memory },
        execArgv: [],
        env: {}, // the worker needs no environment: secrets stay out of it
        // A small heap: a worker allocates next to nothing (its objects are in the ring).
        resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
      });
      const entry = { worker, busy: 0, alive: true };
      worker.on('message', (reply: DecodeReply) => {
        entry.busy--;
        this.#settle(reply);
      });
      // A worker that dies (out of memory, killed) fails what it held; the others carry on.
      worker.on('error', () => undefined);
      worker.on('exit', (code) => {
        entry.alive = false;
        this.#fail(worker, new Error(`a decode worker exited (code ${code})`));
      });
      this.#workers.push(entry);
    }
  }

  /** Workers started (alive or not). */
  get workerCount(): number {
    return this.#workers.length;
  }

  /**
   * Decodes one object whose container bytes the caller put into the ring, into the ring region
   * at `plaintextOffset` (both reserved by the caller), and writes it to `write`.
   * Rejects with DecodeFailedError when the object does not decode or the write fails.
   */
  decode(request: Omit<DecodeRequest, 'id'>): Promise<DecodedInRing> {
    if (this.#closed) return Promise.reject(new Error('the decode pool is closed'));
    const alive = this.#workers.filter((w) => w.alive);
    if (alive.length === 0) return Promise.reject(new Error('no decode worker is running'));
    const entry = alive.reduce((least, w) => (w.busy < least.busy ? w : least));
    const id = this.#nextId++;
    entry.busy++;
    return new Promise<DecodedInRing>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker: entry.worker });
      entry.worker.postMessage({ ...request, id } satisfies DecodeRequest);
    });
  }

  #settle(reply: DecodeReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (reply.failure) pending.reject(new DecodeFailedError(reply.failure));
    else pending.resolve({ length: reply.length, sha256: reply.sha256, oversized: reply.oversized });
  }

  #fail(worker: Worker | undefined, error: Error): void {
    for (const [id, pending] of this.#pending) {
      if (worker && pending.worker !== worker) continue;
      this.#pending.delete(id);
      pending.reject(error);
    }
  }

  /** Stops the workers; what they still held rejects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#fail(undefined, new Error('the decode pool was closed'));
    await Promise.all(this.#workers.map(({ worker }) => worker.terminate()));
  }
}
