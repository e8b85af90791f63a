// One verification pass (the restore's first phase: every chunk read, decrypted, decompressed,
// hashed and written to a private file, the whole checked) with a checkout's compiled code, in
// this fresh plain-Node process, for comparing builds on one storage root:
//
//   node bench/verify-run.mjs <checkout> <storage root> <dump file to write>
//
// Prints one JSON line: wall time, CPU of this process by thread, peak RSS, major GCs.
import { rm } from 'node:fs/promises';
import { countMajorGcs, fromCheckout, processCpu, threads, threadsSince } from './fresh-run.mjs';

const KEY = 'bench-cpu-ab-master-key-01234567';
const [checkout, storageRoot, destination] = process.argv.slice(2);
const { deriveMasterEncryptionKey } = await fromCheckout(checkout, 'src/keys/keys.js');
const { createStorage } = await fromCheckout(checkout, 'src/storage/open/create-storage.js').catch(() => fromCheckout(checkout, 'src/storage/create-storage.js'));
const { discoverLatestBackup } = await fromCheckout(checkout, 'plugins/backup/repository/discover-latest-backup.js').catch(() => fromCheckout(checkout, 'plugins/backup/restore/discover-backup.js'));
const { rebuildVerifiedDump } = await fromCheckout(checkout, 'plugins/backup/restore/rebuild-verified-dump.js');
const masterEncryptionKey = deriveMasterEncryptionKey(KEY);
const storage = createStorage({ root: storageRoot, masterEncryptionKey });
const { manifest, manifestKey } = await discoverLatestBackup(storage, masterEncryptionKey);
await rm(destination, { force: true });

const gcs = countMajorGcs();
let peakRssBytes = process.memoryUsage.rss();
const startRssMiB = +(peakRssBytes / 1048576).toFixed(1);
let atPeak = process.memoryUsage();
const sampler = setInterval(() => {
  const now = process.memoryUsage();
  if (now.rss > peakRssBytes) [peakRssBytes, atPeak] = [now.rss, now];
}, 20);
const threads0 = threads();
const cpu0 = processCpu();
const started = performance.now();
const { bytes } = await rebuildVerifiedDump(storage, manifest, manifestKey, { destination });
const wallMs = performance.now() - started;
const cpuMs = processCpu() - cpu0;
const threadsCpuMs = threadsSince(threads0, threads());
clearInterval(sampler);
peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
await rm(destination, { force: true });
process.stdout.write(`${JSON.stringify({ bytes, wallMs: Math.round(wallMs), cpuMs, threadsCpuMs, startRssMiB, peakRssMiB: +(peakRssBytes / 1048576).toFixed(1), atPeakMiB: Object.fromEntries(Object.entries(atPeak).map(([k, v]) => [k, +(v / 1048576).toFixed(1)])), majorGcs: gcs.count })}\n`);
process.exit(0);
