import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { lstat, open, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type BackendWriteOptions, type ByteSource, type StorageBackend, type StoreWriteResult } from '../backend/storage-backend';
import { isLayoutFile, isLayoutFolder, keyOfObjectName, objectSegments } from '../backend/layout';
import { ObjectNotFoundError, ObjectNotRegularFileError, StorageWriteError } from '../backend/errors';
import { ensureDirectory, syncDirectory } from './directories';
import { isPermanentFsError } from './fs-errors';
import { refuseLinkedFolders } from './linked-folders';
import { probeFolder } from './probe-folder';
import { createMarkerFile, readMarkerFile } from './marker-file';
import { sweepStaleTempFiles, TEMP_DIRECTORY } from './sweep-temp';

export { OBJECT_EXTENSION } from '../backend/layout';
export { TEMP_DIRECTORY } from './sweep-temp';
export type { StoreWriteResult } from '../backend/storage-backend';
const IO_CHUNK = 1024 * 1024;

/** Cotton's layout (COTTON.md §2): `<root>/<k[0:2]>/<k[2:4]>/<k[4:]>.ctn`. */
export function objectPath(root: string, key: string): string {
  return join(root, ...objectSegments(key));
}

/**
 * The two operations that change what stands at an object's path. Injectable so a test can see
 * (and fail) the exact steps of a write: an atomic replace is one rename, never an unlink first.
 */
export interface PublishOperations {
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export interface FilesystemStoreOptions {
  operations?: PublishOperations;
  /**
   * A layout folder (`ab`, `ab/cd`, `tmp`) that is a symbolic link: refused by writes, deletes and
   * size lookups (default: a copy target, where a planted link sent objects elsewhere and made a
   * copy skip objects it did not hold), or followed (Cotton's own root: Cotton writes through
   * links there, an operator may spread it over disks so).
   */
  linkedFolders?: 'refuse' | 'follow';
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/**
 * The raw byte store under Cotton's filesystem layout: stores and returns already-encrypted
 * container bytes. Crash-safe writes: temp file (0600) in `<root>/tmp`, fsync, rename, fsync of
 * the directory. Unlike Cotton it fsyncs; the resulting layout is identical.
 */
export class FilesystemStore implements StorageBackend {
  readonly #ops: PublishOperations;
  readonly #refuseLinks: boolean;

  constructor(
    readonly root: string,
    options: FilesystemStoreOptions = {},
  ) {
    this.#ops = options.operations ?? { rename, unlink };
    this.#refuseLinks = options.linkedFolders !== 'follow';
  }

  get description(): string {
    return this.root;
  }

  path(key: string): string {
    return objectPath(this.root, key);
  }

  /**
   * Writes `source` (container bytes) under `key`. Without `overwrite`, an existing object wins
   * and the new bytes are dropped (deduplication: content-addressed, so they are the same
   * object). With `overwrite` the new file is renamed over the old one: readers see the old or
   * the new object, never a gap (never delete-then-write). The temp file is removed on every
   * failure, including a `source` error. `source` may be a chain (source, transforms...): one
   * pipeline() runs it into the temp file, with backpressure and error propagation end to end.
   */
  async write(key: string, source: ByteSource, options: BackendWriteOptions = {}): Promise<StoreWriteResult> {
    const stages: readonly (Readable | Duplex)[] = isChain(source) ? source : [source];
    let finalPath: string;
    try {
      finalPath = this.path(key);
    } catch (error) {
      for (const stage of stages) stage.destroy(); // release the source: it will never be read
      throw error;
    }
    const tempDirectory = join(this.root, TEMP_DIRECTORY);
    const tempPath = join(tempDirectory, `${key.slice(4)}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      // Checked before and after the folders are made: a planted link is never created through nor written through.
      await this.#refuseLinkedFolders(key, tempDirectory);
      await ensureDirectory(tempDirectory);
      await ensureDirectory(dirname(finalPath));
      await this.#refuseLinkedFolders(key, tempDirectory);
      // flush: fsync before close, so the rename below never publishes unwritten blocks.
      const file = createWriteStream(tempPath, { flags: 'wx', mode: 0o600, flush: true, highWaterMark: IO_CHUNK });
      await pipeline([...stages, file]);
      const storedBytes = file.bytesWritten;
      if (!options.overwrite) {
        const existing = await this.size(key);
        if (existing !== undefined) {
          await this.#ops.unlink(tempPath);
          return { written: false, storedBytes: existing };
        }
      }
      await this.#ops.rename(tempPath, finalPath);
      await syncDirectory(dirname(finalPath));
      return { written: true, storedBytes };
    } catch (error) {
      for (const stage of stages) if (!stage.destroyed) stage.destroy(); // e.g. failed before pipeline() ran
      await this.#ops.unlink(tempPath).catch(() => undefined); // ENOENT when renamed or never created
      throw StorageWriteError.wrap(error, key, this.root);
    }
  }

  /** The container bytes; rejects with ObjectNotFoundError when absent (before any stream exists). */
  async openRead(key: string): Promise<Readable> {
    const { handle, size } = await this.#openObject(key);
    // Sized to the object: a 1 MiB read buffer for a 100 KB object is garbage the restore makes per chunk.
    return handle.createReadStream({ highWaterMark: Math.max(1, Math.min(IO_CHUNK, size)) });
  }

  /** The object's bytes straight into the caller's buffer: no read buffer, no stream (see StorageBackend). */
  async readInto(key: string, out: Uint8Array, offset: number, maxBytes: number, signal?: AbortSignal): Promise<number | undefined> {
    const { handle, size } = await this.#openObject(key);
    try {
      signal?.throwIfAborted();
      if (size > maxBytes) return undefined;
      let total = 0;
      while (total < size) {
        const { bytesRead } = await handle.read(out, offset + total, size - total, total);
        if (bytesRead === 0) break; // shrank since the fstat: what there is, which will not verify
        total += bytesRead;
      }
      return total;
    } finally {
      await handle.close();
    }
  }

  /**
   * Opens an object for reading; rejects with ObjectNotFoundError when absent. Never follows a
   * symbolic link (O_NOFOLLOW on the object itself): anyone with write access to the root could
   * otherwise make a chunk read /etc/passwd. Anything but a regular file is refused unread
   * (O_NONBLOCK keeps a FIFO from blocking the open).
   */
  async #openObject(key: string) {
    const path = this.path(key);
    let handle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      if (isMissing(error)) throw new ObjectNotFoundError(key, { cause: error });
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new ObjectNotRegularFileError(key, 'a symbolic link');
      throw error;
    }
    const info = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    if (!info.isFile()) {
      await handle.close();
      throw new ObjectNotRegularFileError(key, info.isDirectory() ? 'a folder' : 'a special file');
    }
    return { handle, size: info.size };
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const path = this.path(key);
      await this.#refuseLinkedFolders(key); // an object reached through a link is not this storage's
      const stats = await lstat(path); // a symbolic link is no object: openRead refuses it
      return stats.isFile() ? stats.size : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** `<root>/ab` and `<root>/ab/cd` for key `abcd…` (and the temp folder when given) must be real folders, unless links are followed. */
  async #refuseLinkedFolders(key: string, tempDirectory?: string): Promise<void> {
    if (!this.#refuseLinks) return;
    const [first, second] = objectSegments(key);
    await refuseLinkedFolders([...(tempDirectory ? [tempDirectory] : []), join(this.root, first), join(this.root, first, second)]);
  }

  async delete(key: string): Promise<boolean> {
    try {
      const path = this.path(key);
      await this.#refuseLinkedFolders(key);
      await this.#ops.unlink(path);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  readMarker(name: string): Promise<Buffer | undefined> {
    return readMarkerFile(this.root, name);
  }

  createMarker(name: string, bytes: Buffer): Promise<boolean> {
    return createMarkerFile(this.root, name, bytes, this.#refuseLinks);
  }

  /** Keys of `*.ctn` files exactly three levels deep (Cotton's enumeration), in no particular order. */
  async *list(): AsyncGenerator<string> {
    for (const first of await entries(this.root)) {
      if (!first.isDirectory() || !isLayoutFolder(first.name)) continue;
      const firstPath = join(this.root, first.name);
      for (const second of await entries(firstPath)) {
        if (!second.isDirectory() || !isLayoutFolder(second.name)) continue;
        for (const file of await entries(join(firstPath, second.name))) {
          if (!file.isFile() || !isLayoutFile(file.name)) continue;
          const key = keyOfObjectName(`${first.name}/${second.name}/${file.name}`);
          if (key) yield key;
        }
      }
    }
  }

  /** Create, write, fsync, rename and remove a probe file: refuses a root that cannot take objects. */
  async probe(): Promise<void> {
    await probeFolder(this.root);
  }

  /** Removes stale `<root>/tmp/*.tmp` files of writes whose process died. */
  async sweep(): Promise<number> {
    return (await sweepStaleTempFiles(this.root)).length;
  }

  async close(): Promise<void> {}

  isNotFound(error: unknown): boolean {
    return error instanceof ObjectNotFoundError;
  }

  isPermanent(error: unknown): boolean {
    return isPermanentFsError(error);
  }
}

function isChain(source: ByteSource): source is readonly [Readable, ...Duplex[]] {
  return Array.isArray(source);
}

async function entries(path: string) {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
