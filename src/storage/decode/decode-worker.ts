/**
 * A decode-pool.ts worker thread: decodes whole objects (decode-object.ts) from the shared ring,
 * where the main thread put their container bytes, into the ring, where the main thread hashes
 * them, and writes them to the dump file at their position when asked. One zstd context serves
 * every object; nothing is allocated per object but the decryption's output.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { writeAtSync } from '../filesystem/write-at';
import { decodeObjectInto } from './decode-object';
import type { DecodeReply, DecodeRequest } from './messages';
import { ZstdInto } from './zstd-into';

const masterKey = Buffer.from(workerData.masterKey as Uint8Array);
const ring = Buffer.from(workerData.ring as SharedArrayBuffer);
const zstd = new ZstdInto();

parentPort!.on('message', (request: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    const container = ring.subarray(request.containerOffset, request.containerOffset + request.containerLength);
    const decoded = decodeObjectInto(container, masterKey, zstd, ring, request.plaintextOffset, request.limit, request.name);
    reply = { id: request.id, ...decoded };
    if (!decoded.oversized && request.write) {
      try {
        writeAtSync(request.write.fd, ring.subarray(request.plaintextOffset, request.plaintextOffset + decoded.length), request.write.position);
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        reply = { id: request.id, failure: { stage: 'write', name: e.name, message: e.message, code: e.code } };
      }
    }
  } catch (error) {
    const e = error as Error;
    reply = { id: request.id, failure: { stage: 'decode', name: e?.name ?? 'Error', message: e?.message ?? String(error) } };
  }
  parentPort!.postMessage(reply);
});
