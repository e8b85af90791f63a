/**
 * Peak memory and throughput of the storage pipeline on one big object.
 *
 *   npx tsx bench/storage-rss.ts [sizeMiB]     (default 1024)
 *
 * Writes a deterministic pseudo-random (incompressible) object through createStorage
 * (zstd level 1 → CTN2 → filesystem, in a temp folder), reads it back hashing it, samples
 * process RSS every 50 ms, prints peak RSS per phase and throughput, and exits 1 when the
 * read-back hash differs from what was written.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { deriveMasterEncryptionKey, sha256Hex } from '../src/keys/keys';
import { createStorage, digestStream } from '../src/storage/open/create-storage';
import { RssSampler } from './rss';

const MiB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 1024);
if (!Number.isFinite(sizeMiB) || sizeMiB <= 0) {
  console.error(`usage: npx tsx bench/storage-rss.ts [sizeMiB]  (got ${process.argv[2]})`);
  process.exit(2);
}
const totalBytes = Math.round(sizeMiB * MiB);

/** AES-256-CTR keystream with a fixed key: fast (native), deterministic, incompressible. */
function pseudoRandom(bytes: number, onData: (piece: Buffer) => void): Readable {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(MiB);
  let left = bytes;
  return new Readable({
    highWaterMark: MiB,
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, MiB);
      left -= n;
      const piece = cipher.update(n === MiB ? zeros : zeros.subarray(0, n));
      onData(piece);
      this.push(piece);
    },
  });
}


const mib = (bytes: number) => (bytes / MiB).toFixed(1);

async function main(): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'cotton-storage-rss-'));
  try {
    const storage = createStorage({ root, masterEncryptionKey: deriveMasterEncryptionKey('bench-bench-bench-bench-bench-32') });
    const key = sha256Hex(`storage-rss:${totalBytes}`);
    global.gc?.();
    const baseline = process.memoryUsage.rss();
    console.log(`object: ${mib(totalBytes)} MiB pseudo-random, zstd level 1, CTN2 1 MiB chunks, root ${root}`);
    console.log(`baseline RSS: ${mib(baseline)} MiB`);

    const written = createHash('sha256');
    let sampler = new RssSampler(50);
    let started = performance.now();
    const result = await storage.write(key, pseudoRandom(totalBytes, (piece) => written.update(piece)));
    const writeSeconds = (performance.now() - started) / 1000;
    const writePeak = sampler.stop();
    const expected = written.digest('hex');
    console.log(
      `write: ${writeSeconds.toFixed(2)} s, ${(totalBytes / MiB / writeSeconds).toFixed(0)} MiB/s, ` +
        `stored ${mib(result.storedBytes)} MiB, peak RSS ${mib(writePeak)} MiB`,
    );

    global.gc?.();
    sampler = new RssSampler(50);
    started = performance.now();
    const digest = await digestStream(await storage.read(key));
    const readSeconds = (performance.now() - started) / 1000;
    const readPeak = sampler.stop();
    console.log(
      `read:  ${readSeconds.toFixed(2)} s, ${(totalBytes / MiB / readSeconds).toFixed(0)} MiB/s, peak RSS ${mib(readPeak)} MiB`,
    );

    if (digest.sha256 !== expected || digest.length !== totalBytes) {
      console.error(`FAIL: read back ${digest.length} bytes with SHA-256 ${digest.sha256}, wrote ${totalBytes} bytes with ${expected}`);
      return 1;
    }
    console.log(`read-back SHA-256 matches: ${expected}`);
    return 0;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
