import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { assertMarkerName, type BackendWriteOptions, type ByteSource, type StorageBackend, type StoreWriteResult } from '../../src/storage/backend/storage-backend';
import { assertStorageKey } from '../../src/storage/backend/layout';
import { type ObjectStorage, type WriteOptions, type WriteResult } from '../../src/storage/object-storage';
import { ObjectNotFoundError } from '../../src/storage/backend/errors';

/** An in-memory storage backend (the test double): passes the same contract as the real ones. */
export class MemoryBackend implements StorageBackend {
  readonly description = 'memory';
  readonly objects = new Map<string, Buffer>();

  async write(key: string, source: ByteSource, options?: BackendWriteOptions): Promise<StoreWriteResult> {
    const stages = Array.isArray(source) ? [...source] : [source as Readable];
    try {
      assertStorageKey(key);
    } catch (error) {
      for (const stage of stages) stage.destroy();
      throw error;
    }
    const existing = this.objects.get(key);
    if (existing && !options?.overwrite) {
      for (const stage of stages) stage.destroy();
      return { written: false, storedBytes: existing.length };
    }
    const parts: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        parts.push(Buffer.from(chunk));
        done();
      },
    });
    await pipeline([...stages, sink]);
    const data = Buffer.concat(parts);
    if (!options?.overwrite && this.objects.has(key)) return { written: false, storedBytes: this.objects.get(key)!.length };
    this.objects.set(key, data);
    return { written: true, storedBytes: data.length };
  }

  async openRead(key: string): Promise<Readable> {
    assertStorageKey(key);
    const data = this.objects.get(key);
    if (!data) throw new ObjectNotFoundError(key);
    return Readable.from([data]);
  }

  async size(key: string): Promise<number | undefined> {
    assertStorageKey(key);
    return this.objects.get(key)?.length;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  readonly markers = new Map<string, Buffer>();

  async readMarker(name: string): Promise<Buffer | undefined> {
    return this.markers.get(assertMarkerName(name));
  }

  async createMarker(name: string, bytes: Buffer): Promise<boolean> {
    if (this.markers.has(assertMarkerName(name))) return false;
    this.markers.set(name, Buffer.from(bytes));
    return true;
  }

  isNotFound(error: unknown): boolean {
    return error instanceof ObjectNotFoundError;
  }

  /** Memory never fails for a moment: every error is permanent. */
  isPermanent(): boolean {
    return true;
  }

  async delete(key: string): Promise<boolean> {
    assertStorageKey(key);
    return this.objects.delete(key);
  }

  async *list(): AsyncIterable<string> {
    yield* [...this.objects.keys()];
  }

  async probe(): Promise<void> {}

  async sweep(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}
}

/** An in-memory ObjectStorage for host tests that are not about the storage pipeline: plaintext kept as is. */
export class MemoryStorage implements ObjectStorage {
  readonly backend = new MemoryBackend();
  readonly objects = this.backend.objects;

  async write(key: string, source: Readable | Uint8Array, options?: WriteOptions): Promise<WriteResult> {
    return this.backend.write(key, source instanceof Uint8Array ? Readable.from([Buffer.from(source)]) : source, options);
  }

  async read(key: string): Promise<Readable> {
    return this.backend.openRead(key);
  }

  async readBuffer(key: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of await this.read(key)) parts.push(part as Buffer);
    return Buffer.concat(parts);
  }

  async exists(key: string): Promise<boolean> {
    return this.backend.exists(key);
  }

  async delete(key: string): Promise<boolean> {
    return this.backend.delete(key);
  }

  async size(key: string): Promise<number | undefined> {
    return this.backend.size(key);
  }

  list(): AsyncIterable<string> {
    return this.backend.list();
  }
}
