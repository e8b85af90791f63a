import { Worker } from 'node:worker_threads';

// Plain JavaScript: an eval'd worker runs without the TypeScript loader.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hash = createHash('sha256');
parentPort.on('message', (piece) => {
  if (piece === null) return parentPort.postMessage({ digest: hash.digest('hex') });
  hash.update(piece);
  parentPort.postMessage({ done: piece.byteLength });
});`;

const MAX_IN_FLIGHT = 8 * 1024 * 1024;

/**
 * SHA-256 of a byte sequence, computed on a worker thread. Verification hashes every byte twice
 * (each chunk against its key, the whole dump against the manifest); pg_restore is not running
 * yet, so the second core is free for the whole-dump hash. At most 8 MiB wait in the worker's
 * queue: update() waits while the backlog is larger. Always end with digest() or close().
 */
export class OffThreadSha256 {
  readonly #worker = new Worker(WORKER_SOURCE, { eval: true });
  #inFlight = 0;
  #wake: (() => void) | undefined;
  #digest: ((hex: string) => void) | undefined;
  #failed: Error | undefined;

  constructor() {
    this.#worker.on('message', (m: { done?: number; digest?: string }) => {
      if (m.digest !== undefined) return this.#digest?.(m.digest);
      this.#inFlight -= m.done ?? 0;
      if (this.#inFlight <= MAX_IN_FLIGHT / 2) this.#wake?.();
    });
    this.#worker.on('error', (error) => {
      this.#failed = error;
      this.#wake?.();
    });
  }

  async update(piece: Uint8Array): Promise<void> {
    if (this.#failed) throw this.#failed;
    const copy = new Uint8Array(piece); // transferred: the caller keeps its own buffer
    this.#inFlight += copy.byteLength;
    this.#worker.postMessage(copy, [copy.buffer]);
    if (this.#inFlight > MAX_IN_FLIGHT) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
      if (this.#failed) throw this.#failed;
    }
  }

  async digest(): Promise<string> {
    if (this.#failed) throw this.#failed;
    const hex = new Promise<string>((resolve) => (this.#digest = resolve));
    this.#worker.postMessage(null);
    try {
      return await hex;
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
