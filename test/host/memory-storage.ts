import { Readable } from 'node:stream';
import type { ObjectStorage, WriteOptions, WriteResult } from '../../src/storage/object-storage';

/** An in-memory ObjectStorage for host tests that are not about the storage pipeline. */
export class MemoryStorage implements ObjectStorage {
  readonly objects = new Map<string, Buffer>();

  async write(key: string, source: Readable | Uint8Array, options?: WriteOptions): Promise<WriteResult> {
    if (this.objects.has(key) && !options?.overwrite) return { written: false, storedBytes: this.objects.get(key)!.length };
    const chunks: Buffer[] = [];
    if (source instanceof Uint8Array) chunks.push(Buffer.from(source));
    else for await (const c of source) chunks.push(Buffer.from(c as Buffer));
    const data = Buffer.concat(chunks);
    this.objects.set(key, data);
    return { written: true, storedBytes: data.length };
  }

  async read(key: string): Promise<Readable> {
    return Readable.from([await this.readBuffer(key)]);
  }

  async readBuffer(key: string): Promise<Buffer> {
    const data = this.objects.get(key);
    if (!data) throw new Error(`object ${key} not found`);
    return data;
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async delete(key: string): Promise<boolean> {
    return this.objects.delete(key);
  }

  async size(key: string): Promise<number | undefined> {
    return this.objects.get(key)?.length;
  }

  async *list(): AsyncIterable<string> {
    yield* this.objects.keys();
  }
}
