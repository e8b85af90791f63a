// One restore with the compiled code of a checkout, in this fresh plain-Node process, for
// bench/restore-ab.ts (no tsx: its modules would change the heap and the start-up cost):
//
//   node bench/restore-run.mjs <checkout> <empty target database> <storage root> <data path>
//
// Prints one JSON line: wall time, verify and pg_restore phases, CPU of this process (by thread
// name) and of its children (pg_restore), peak RSS sampled every 20 ms, major GCs.
import { childrenCpuMs, countMajorGcs, fromCheckout, openCheckout, processCpu, threads, threadsSince } from './fresh-run.mjs';

const [checkout, database, storageRoot, dataPath] = process.argv.slice(2);
const { restoreBackup } = await fromCheckout(checkout, 'plugins/backup/restore/restore-backup.js');
const { services, close } = await openCheckout(checkout, { database, storageRoot, dataPath });

const gcs = countMajorGcs();
let peakRssBytes = process.memoryUsage.rss();
const sampler = setInterval(() => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss())), 20);
const threads0 = threads();
const cpu0 = processCpu();
const children0 = childrenCpuMs();
const started = performance.now();
const report = await restoreBackup(services.restoreContext(), { trigger: 'cli' });
const wallMs = performance.now() - started;
const oursCpuMs = processCpu() - cpu0;
const pgRestoreCpuMs = childrenCpuMs() - children0;
const threadsCpuMs = threadsSince(threads0, threads());
clearInterval(sampler);
peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
await close();
const { bytes, verifyMs, restoreMs } = report;
process.stdout.write(`${JSON.stringify({ bytes, wallMs, verifyMs, restoreMs, oursCpuMs, pgRestoreCpuMs, threadsCpuMs, peakRssBytes, majorGcs: gcs.count })}\n`);
process.exit(0);
