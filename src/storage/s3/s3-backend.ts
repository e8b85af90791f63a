import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { assertMarkerName, MARKER_MAX_BYTES, type BackendWriteOptions, type ByteSource, type StorageBackend, type StoreWriteResult } from '../backend/storage-backend';
import { assertStorageKey, keyOfObjectName, objectName } from '../backend/layout';
import { InvalidStorageKeyError, ObjectNotFoundError } from '../backend/errors';
import { SpareBuffers } from '../ctn2/spare-buffers';
import { createS3Client, type S3ClientOptions } from './s3-client';
import { explainS3Error, isAlreadyThere, isConditionalWriteUnsupported, isNotFound, isPermanentS3Error } from './s3-errors';
import type { S3Settings } from './s3-settings';

export interface S3BackendOptions extends S3ClientOptions {
  /** A client of one's own (tests); default createS3Client(settings, options). */
  client?: S3Client;
  /** Bytes buffered per part of a multipart upload (at least 5 MiB, S3's minimum). Smaller objects take one PUT. */
  partSize?: number;
  /** Parts of one object in flight at once: memory per write is about partSize × (queueSize + 1). */
  queueSize?: number;
  /** Multipart uploads left by a dead writer are aborted by sweep() once this old. */
  staleUploadAgeMs?: number;
}

const MiB = 1024 * 1024;
/**
 * A chunk object (≤ 1 MiB of plaintext by default, a little more once sealed) fits one staging
 * buffer, where its pieces are gathered for its PUT. A fresh buffer per object (the concatenation
 * of its pieces) would be garbage as large as the backup's new bytes, living as long as the PUT,
 * long enough to be promoted and wait for a full GC. At most 8 are kept (8.5 MiB): what
 * concurrent writes need.
 */
const STAGING_BYTES = MiB + 64 * 1024;

/**
 * Cotton's S3 backend (COTTON.md §9): key `k` is the object `<prefix>ab/cd/<rest>.ctn`; objects
 * are written only when absent (a HEAD, then a PUT with If-None-Match: * where the server honours
 * it); the pointer is replaced by one PUT, never delete-then-write. An object that ends within
 * the part size (chunk objects, manifests, pointers) is gathered and sent as one PUT; a larger one
 * streams as a multipart upload: at most partSize × (queueSize + 2) bytes are buffered, whatever
 * the object size.
 */
export class S3Backend implements StorageBackend {
  readonly #client: S3Client;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #staleUploadAgeMs: number;
  /** Buffers the bytes of small objects are gathered in before their PUT (STAGING_BYTES each). */
  readonly #staging = new SpareBuffers(STAGING_BYTES, 8);
  /** Cleared when the server answers a conditional write with 501 (then HEAD-then-PUT alone). */
  #conditionalWrites = true;

  constructor(
    readonly settings: S3Settings,
    options: S3BackendOptions = {},
  ) {
    this.#client = options.client ?? createS3Client(settings, options);
    this.#partSize = Math.max(options.partSize ?? 8 * MiB, 5 * MiB);
    this.#queueSize = options.queueSize ?? 2;
    this.#staleUploadAgeMs = options.staleUploadAgeMs ?? 60 * 60 * 1000;
  }

  get description(): string {
    const s = this.settings;
    return `s3://${s.bucket}/${s.prefix}${s.endpoint ? ` at ${s.endpoint}` : ''}`;
  }

  /** False once the server refused If-None-Match (501): writes are then HEAD-then-PUT alone. */
  get conditionalWrites(): boolean {
    return this.#conditionalWrites;
  }

  /** The client, for tests that watch which requests a write makes. */
  get client(): S3Client {
    return this.#client;
  }

  #name(key: string): string {
    return `${this.settings.prefix}${objectName(key)}`;
  }

  async write(key: string, source: ByteSource, options: BackendWriteOptions = {}): Promise<StoreWriteResult> {
    const stages: (Readable | Duplex)[] = Array.isArray(source) ? [...source] : [source as Readable];
    const release = () => stages.forEach((stage) => stage.destroyed || stage.destroy());
    let name: string;
    try {
      name = this.#name(key);
      if (!options.overwrite && !options.checkedAbsent) {
        const existing = await this.size(key);
        if (existing !== undefined) {
          release();
          return { written: false, storedBytes: existing };
        }
      }
    } catch (error) {
      release();
      throw error;
    }
    const conditional = !options.overwrite && this.#conditionalWrites;
    // The chain's pieces pass one by one, as objects: a byte-mode stream read by an async iterator
    // concatenates whatever is buffered into a new Buffer on every read (measured: 93 MiB of
    // copies for 300 chunk objects, most of the S3 backup's extra RSS).
    const body = new PassThrough({ readableObjectMode: true, readableHighWaterMark: 4 });
    const staging = this.#staging.take();
    let sourceError: unknown;
    const feeding = pipeline([...stages, body]).catch((error: unknown) => {
      sourceError ??= error;
    });
    try {
      const head = await readUpTo(body, this.#partSize, staging);
      if (head.ended) {
        // Below the part size (every chunk object, manifest and pointer): one PutObject with the
        // bytes in hand. The SDK's CRC32 runs over that buffer; no Upload, no part buffers.
        const bytes = head.pieces.length === 1 ? head.pieces[0]! : Buffer.concat(head.pieces, head.bytes);
        await this.#client.send(new PutObjectCommand(this.#putParams(name, conditional, bytes)));
        return { written: true, storedBytes: head.bytes };
      }
      // Larger: a multipart upload that streams the rest, at most partSize × (queueSize + 1) in hand.
      let storedBytes = 0;
      const rest = Readable.from(
        (async function* () {
          for (const piece of head.pieces) {
            storedBytes += piece.length;
            yield piece;
          }
          head.pieces.length = 0;
          for await (const piece of head.remaining) {
            storedBytes += (piece as Buffer).length;
            yield piece as Buffer;
          }
        })(),
        { objectMode: false, highWaterMark: 0 },
      );
      // Loaded on the first large object only: chunk objects, manifests and pointers never need it.
      const { Upload } = await import('@aws-sdk/lib-storage');
      await new Upload({
        client: this.#client,
        params: this.#putParams(name, conditional, rest),
        partSize: this.#partSize,
        queueSize: this.#queueSize,
        leavePartsOnError: false,
      }).done();
      return { written: true, storedBytes };
    } catch (error) {
      // A source error is the real cause; an upload aborted because of it says less. Taken before
      // the destroys below, which fail the feeding with a premature close of their own.
      const cause = sourceError ?? error;
      release();
      body.destroy();
      await feeding;
      if (conditional && isAlreadyThere(error)) {
        const existing = await this.size(key);
        if (existing !== undefined) return { written: false, storedBytes: existing };
      }
      if (conditional && isConditionalWriteUnsupported(error)) {
        // Not found by probe() (a CLI command skips it). The stream is spent: the caller's retry
        // (a later backup) writes it without the condition.
        this.#conditionalWrites = false;
      }
      throw explainS3Error(cause, this.settings, `store object ${key}`);
    } finally {
      // The request that read it has settled (a retry of the SDK's included): nothing reads it now.
      this.#staging.give(staging);
    }
  }

  #putParams<B>(name: string, conditional: boolean, body: B) {
    return {
      Bucket: this.settings.bucket,
      Key: name,
      Body: body,
      ContentType: 'application/octet-stream',
      ...(conditional ? { IfNoneMatch: '*' } : {}),
    };
  }

  async openRead(key: string): Promise<Readable> {
    const name = this.#name(key);
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: name }));
      return answer.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key, { cause: error });
      throw explainS3Error(error, this.settings, `read object ${key}`);
    }
  }

  async size(key: string): Promise<number | undefined> {
    const name = this.#name(key);
    try {
      const answer = await this.#client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: name }));
      return answer.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw explainS3Error(error, this.settings, `look up object ${key}`);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  /** `<prefix><name>`: outside Cotton's key shape, so neither Cotton's listing nor ours sees it. */
  async readMarker(name: string): Promise<Buffer | undefined> {
    const key = `${this.settings.prefix}${assertMarkerName(name)}`;
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      const bytes = Buffer.from(await answer.Body!.transformToByteArray());
      if (bytes.length > MARKER_MAX_BYTES) throw new Error(`${key} holds ${bytes.length} bytes: not a marker`);
      return bytes;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw explainS3Error(error, this.settings, `read ${name}`);
    }
  }

  /** Put-if-absent where the server enforces it (412: one is there), else a look first (a race of two first uses may rewrite it). */
  async createMarker(name: string, bytes: Buffer): Promise<boolean> {
    if ((await this.readMarker(name)) !== undefined) return false;
    const key = `${this.settings.prefix}${assertMarkerName(name)}`;
    try {
      await this.#client.send(new PutObjectCommand({ ...this.#putParams(key, this.#conditionalWrites, bytes), ContentType: 'application/json' }));
      return true;
    } catch (error) {
      if (isAlreadyThere(error)) return false;
      throw explainS3Error(error, this.settings, `write ${name}`);
    }
  }

  async delete(key: string): Promise<boolean> {
    assertStorageKey(key);
    if (!(await this.exists(key))) return false;
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.#name(key) }));
      return true;
    } catch (error) {
      throw explainS3Error(error, this.settings, `delete object ${key}`);
    }
  }

  /** S3 lists names in ascending order, and a key's name (`ab/cd/rest.ctn`) sorts as the key does. */
  readonly listsInKeyOrder = true;

  /** Keys of exactly Cotton's shape under the prefix (Cotton's listing keeps only those too), in key order. */
  async *list(options: { startAfter?: string } = {}): AsyncGenerator<string> {
    const startAfter = options.startAfter === undefined ? undefined : this.#name(options.startAfter);
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.settings.bucket,
            Prefix: this.settings.prefix || undefined,
            ContinuationToken: continuationToken,
            StartAfter: continuationToken ? undefined : startAfter,
          }),
        );
      } catch (error) {
        throw explainS3Error(error, this.settings, 'list objects');
      }
      for (const item of page.Contents ?? []) {
        const key = item.Key?.startsWith(this.settings.prefix) ? keyOfObjectName(item.Key.slice(this.settings.prefix.length)) : undefined;
        if (key) yield key;
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
  }

  /**
   * The bucket exists and takes a write: HEAD the bucket, then PUT and DELETE a probe object outside
   * Cotton's key shape (Cotton's listing and GC never see it).
   */
  async probe(): Promise<void> {
    const bucket = this.settings.bucket;
    const probeName = `${this.settings.prefix}cotton-backup-probe/${randomBytes(8).toString('hex')}`;
    let doing = 'probe the bucket';
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: bucket }));
      doing = 'write a probe object';
      const body = Buffer.from('cotton-backup storage probe\n');
      await this.#client.send(new PutObjectCommand({ Bucket: bucket, Key: probeName, Body: body }));
      // Does the server implement conditional writes? 412 = enforced, 200 = ignored (harmless, the
      // HEAD before each PUT still dedups), 501 = refused: then writes go without the header.
      await this.#client.send(new PutObjectCommand({ Bucket: bucket, Key: probeName, Body: body, IfNoneMatch: '*' })).catch((error: unknown) => {
        if (isConditionalWriteUnsupported(error)) this.#conditionalWrites = false;
        else if (!isAlreadyThere(error)) throw error;
      });
      doing = 'delete a probe object';
      await this.#client.send(new DeleteObjectCommand({ Bucket: bucket, Key: probeName }));
    } catch (error) {
      throw explainS3Error(error, this.settings, doing);
    }
  }

  /** Aborts our multipart uploads (under Cotton's key shape) that a dead writer left; never throws. */
  async sweep(): Promise<number> {
    let aborted = 0;
    try {
      const answer = await this.#client.send(new ListMultipartUploadsCommand({ Bucket: this.settings.bucket, Prefix: this.settings.prefix || undefined }));
      for (const upload of answer.Uploads ?? []) {
        const name = upload.Key ?? '';
        if (!keyOfObjectName(name.slice(this.settings.prefix.length)) || !upload.UploadId) continue;
        if (upload.Initiated && Date.now() - upload.Initiated.getTime() < this.#staleUploadAgeMs) continue;
        await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.settings.bucket, Key: name, UploadId: upload.UploadId }));
        aborted += 1;
      }
    } catch {
      // Housekeeping only: a server without multipart listing has nothing to sweep.
    }
    return aborted;
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  isNotFound(error: unknown): boolean {
    return error instanceof ObjectNotFoundError;
  }

  isPermanent(error: unknown): boolean {
    return error instanceof ObjectNotFoundError || error instanceof InvalidStorageKeyError || isPermanentS3Error(error);
  }
}

interface Head {
  /** The bytes read so far, in order (the first one in `staging` when the backend lent one). */
  pieces: Buffer[];
  bytes: number;
  /** True when the stream ended within the limit: the pieces are the whole object. */
  ended: boolean;
  /** The rest of the stream, when it did not end. */
  remaining: AsyncIterable<Buffer>;
}

/**
 * Reads `stream` until it ends or more than `limit` bytes are in hand: an object below the part
 * size is then known whole (one PUT), a larger one goes on streaming from where this stopped.
 * While the bytes fit `staging`, they are copied into it and the stream's own pieces are left to
 * die young (see STAGING_BYTES).
 */
async function readUpTo(stream: Readable, limit: number, staging: Buffer): Promise<Head> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const remaining: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => iterator };
  let staged = 0;
  const pieces: Buffer[] = [];
  let bytes = 0;
  while (bytes <= limit) {
    const step = await iterator.next();
    if (step.done) break;
    const piece = step.value;
    if (pieces.length === 0 && staged + piece.length <= staging.length) {
      staged += piece.copy(staging, staged);
    } else {
      if (pieces.length === 0 && staged > 0) pieces.push(staging.subarray(0, staged));
      pieces.push(piece);
    }
    bytes += piece.length;
  }
  if (pieces.length === 0 && staged > 0) pieces.push(staging.subarray(0, staged));
  return { pieces, bytes, ended: bytes <= limit, remaining };
}
