// One backup with the compiled code of a checkout, in this fresh plain-Node process (no tsx: its
// modules would change the heap, and with it how often V8 collects), for bench/backup-cpu-ab.ts:
//
//   node bench/backup-cpu-run.mjs <checkout> <database> <storage root>
//
// Prints one JSON line: CPU of this process (all threads and by thread name), of pg_dump, major GCs.
import { join } from 'node:path';
import { childrenCpuMs, countMajorGcs, fromCheckout, openCheckout, processCpu, threads, threadsSince } from './fresh-run.mjs';

const [checkout, database, storageRoot] = process.argv.slice(2);
// The folder was renamed (backup/ → take-backup/): an older checkout in an A/B run has the old one.
const { runBackup } = await fromCheckout(checkout, 'plugins/backup/take-backup/run-backup.js').catch(() => fromCheckout(checkout, 'plugins/backup/backup/run-backup.js'));
const { services, close } = await openCheckout(checkout, { database, storageRoot, dataPath: join(storageRoot, '..', 'data') });

const gcs = countMajorGcs();
const threads0 = threads();
const cpu0 = processCpu();
const children0 = childrenCpuMs();
const started = performance.now();
const outcome = await runBackup(services.backup);
const wallMs = performance.now() - started;
const oursCpuMs = processCpu() - cpu0;
const pgDumpCpuMs = childrenCpuMs() - children0;
const threadsCpuMs = threadsSince(threads0, threads());
await close();
process.stdout.write(`${JSON.stringify({ dumpBytes: outcome.dumpSizeBytes, wallMs, oursCpuMs, pgDumpCpuMs, threadsCpuMs, majorGcs: gcs.count })}\n`);
process.exit(0);
