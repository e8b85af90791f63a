import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { keyOfObjectName } from '../../src/storage/backend/layout';
import { S3Backend } from '../../src/storage/s3/s3-backend';
import { snapshotTables } from '../support/cotton-schema';
import { checkEventChain, checkEveryObjectWhole, checkNoLeaks, checkNothingRunning, checkPointerComplete, checks, checkStorageSweep, restoreSnapshot } from './checks';
import { backupStatuses, cli, createFaultEnv, currentPointer, spawnCli, type FaultEnv } from './harness';
import type { Scenario } from './scenario';

/** Backup crash points, in the order a backup passes them; `advances` = the pointer names the new backup. */
export const BACKUP_CRASH_POINTS: Array<{ point: string; step: string; advances: boolean }> = [
  { point: 'backup.afterStarted', step: 'after BackupStarted', advances: false },
  { point: 'backup.midDump', step: 'mid-dump (first chunk cut, pg_dump still writing)', advances: false },
  { point: 'backup.midChunkUpload', step: 'mid-chunk-upload (half a chunk in a temp file)', advances: false },
  { point: 'backup.afterLastChunk', step: 'after the last chunk (Dumped + Chunked recorded)', advances: false },
  { point: 'backup.afterManifestCommitted', step: 'after ManifestCommitted, before the pointer', advances: false },
  { point: 'backup.midPointerWrite', step: 'mid-pointer-write (half the new pointer in a temp file)', advances: false },
  { point: 'backup.afterPointerAdvanced', step: 'after PointerAdvanced', advances: true },
];

/** `serve` until it serves, then SIGTERM: what a restarted host does first (sweeps included). */
async function startAndStopHost(f: FaultEnv): Promise<void> {
  const host = spawnCli(f, ['serve']);
  await host.waitFor(/"msg":"host serving"/);
  host.killGroup('SIGTERM');
  await host.done;
}

/**
 * A good backup, then a change to the data, then `cotton-backup backup` killed with SIGKILL (its
 * whole process group, pg_dump included) at `point`. Then: the pointer names a complete manifest;
 * the previous backup restores to the data it was taken of; temp files are swept; the next run
 * completes; the killed run is closed as failed (stale) and nothing stays running; the hash
 * chain holds; no secret or plaintext leaked. With `s3`, the primary storage is a bucket on a
 * test S3 server: the same, and the sweep is of multipart uploads, not temp files.
 */
export function backupCrashScenario(point: string, step: string, advances: boolean, options: { s3?: boolean } = {}): Scenario {
  return {
    id: options.s3 ? `crash s3 ${point}` : `crash ${point}`,
    group: 'crash',
    how: `\`cotton-backup backup\`${options.s3 ? ' to a bucket on s3rver' : ''} with COTTON_FAILPOINTS=${point}=exit: SIGKILL ${step}`,
    expect: advances ? 'pointer names the new, complete backup; run recorded succeeded' : 'pointer unchanged and complete; killed run failed as stale at the next run',
    async run() {
      const c = checks();
      const f = await createFaultEnv('fcrash', { s3: options.s3 });
      try {
        const base = await cli(f, ['backup', '--json']);
        if (!c.ok(base.code === 0, `the first backup succeeds (${base.stderr.slice(-300)})`)) return c;
        const baseKey = JSON.parse(base.stdout).manifestKey as string;
        const before = await snapshotTables(f.db.pool);
        await f.db.pool.query('UPDATE chunks SET stored_size_bytes = stored_size_bytes + 1'); // new chunks to write
        const after = await snapshotTables(f.db.pool);

        const crashed = await cli(f, ['backup', '--json'], { failpoints: `${point}=exit` });
        c.ok(crashed.signal === 'SIGKILL', `the run is killed at ${point} (exit ${crashed.code}, ${crashed.signal}): ${crashed.stderr.slice(-300)}`);
        const pointer = await currentPointer(f);
        if (advances) c.ok(pointer && pointer !== baseKey, 'the pointer names the new backup');
        else c.ok(pointer === baseKey, 'the pointer still names the previous backup');
        // Killed mid-pointer-write, the run had already listed its complete backup in the index.
        await checkPointerComplete(c, f, { behind: point === 'backup.midPointerWrite' });
        c.ok(JSON.stringify(await restoreSnapshot(f, baseKey)) === JSON.stringify(before), 'the previous backup restores, every table equal');
        if (advances && pointer && pointer !== baseKey) {
          c.ok(JSON.stringify(await restoreSnapshot(f, pointer)) === JSON.stringify(after), 'the new backup restores, every table equal');
        }
        const left = await checkStorageSweep(c, f, startAndStopHost);
        if (left > 0 && !f.s3) c.note(`${left} temp file(s) left by the kill, swept by the next host start`);

        const next = await cli(f, ['backup', '--json']);
        c.ok(next.code === 0, `the next run completes (${next.stderr.slice(-300)})`);
        const statuses = await backupStatuses(f);
        await checkNothingRunning(c, f);
        const killed = statuses[1];
        if (point !== 'backup.afterStarted' || killed) {
          const expected = advances ? 'succeeded' : 'failed';
          c.ok(killed?.status === expected && (advances || killed?.failed_step === 'stale'), `the killed run is recorded ${expected}${advances ? '' : ' (stale)'}: ${JSON.stringify(killed)}`);
        }
        c.ok((await currentPointer(f)) === (next.code === 0 ? JSON.parse(next.stdout).manifestKey : undefined), 'the pointer names the next run');
        await checkPointerComplete(c, f);
        await checkEventChain(c, f);
        await checkNoLeaks(c, f);
      } finally {
        await f.cleanup();
      }
      return c;
    },
  };
}

export const crashScenarios: Scenario[] = BACKUP_CRASH_POINTS.map((p) => backupCrashScenario(p.point, p.step, p.advances));

/**
 * The same crash points with the primary storage on S3. midPointerWrite applies too: the pointer
 * is one PUT whose body the kill cuts before it is sent, so the old pointer stays whole.
 */
const MiB = 1024 * 1024;

/**
 * A backup to S3 SIGKILLed while a chunk object too large for one PUT is being uploaded in parts:
 * chunks of 12–32 MiB (the S3 backend's parts are 8 MiB), 20 MiB of incompressible rows new since
 * the previous backup, and the test server holding part 2 of the first multipart upload
 * unanswered until the kill. Then: no object under that key, the pointer unchanged and complete,
 * the upload listed and aborted by the backend's sweep, the next run completes and restores.
 */
export function s3MultipartKillScenario(): Scenario {
  return {
    id: 'crash s3 backup.midMultipartUpload',
    group: 'crash',
    how: '`cotton-backup backup` to a bucket on s3rver, a 12 MiB+ chunk object in 8 MiB parts, SIGKILL while part 2 is in flight',
    expect: 'nothing under the key; pointer unchanged and complete; the sweep aborts the upload; the next run completes and restores',
    async run() {
      const c = checks();
      const chunking = { COTTON_CHUNK_MIN_BYTES: String(12 * MiB), COTTON_CHUNK_AVG_BYTES: String(16 * MiB), COTTON_CHUNK_MAX_BYTES: String(32 * MiB) };
      const f = await createFaultEnv('fmpu', { s3: true, env: chunking });
      try {
        const { server, bucket } = f.s3!;
        const base = await cli(f, ['backup', '--json']);
        if (!c.ok(base.code === 0, `the first backup succeeds (${base.stderr.slice(-300)})`)) return c;
        const baseKey = JSON.parse(base.stdout).manifestKey as string;
        // 20 MiB of random bytes the previous backup does not hold: new chunks of 12 MiB and more.
        await f.db.pool.query('CREATE TABLE filler (n int, b bytea)');
        await f.db.pool.query(
          "INSERT INTO filler SELECT i, decode((SELECT string_agg(md5(random()::text || i || j), '') FROM generate_series(1, 65536) j), 'hex') FROM generate_series(1, 20) i",
        );
        const after = await snapshotTables(f.db.pool);

        let stalledUrl: string | undefined;
        void server.stallNext(1, (method, url) => method === 'PUT' && /[?&]partNumber=2(&|$)/.test(url)).then((url) => (stalledUrl = url));
        const crashed = await cli(f, ['backup', '--json'], { killWhen: async () => stalledUrl !== undefined });
        c.ok(crashed.signal === 'SIGKILL', `the run is killed mid-multipart-upload (exit ${crashed.code}, ${crashed.signal}): ${crashed.stderr.slice(-300)}`);
        if (!c.ok(stalledUrl, 'part 2 of a multipart upload was in flight when the kill came')) return c;
        const objectName = decodeURIComponent(new URL(stalledUrl!, 'http://s3').pathname.split('/').slice(2).join('/'));
        const key = keyOfObjectName(objectName);
        if (!c.ok(key, `the upload was of a Cotton-shaped key (${objectName})`)) return c;
        c.ok(!(await f.backend.exists(key!)), 'no object is visible under the key being uploaded');
        c.ok((await currentPointer(f)) === baseKey, 'the pointer still names the previous backup');
        await checkPointerComplete(c, f);

        const uploads = async () => {
          const answer = await f.s3!.s3Backend.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
          return (answer.Uploads ?? []).map((u) => u.Key);
        };
        c.ok((await uploads()).includes(objectName), `the killed upload is left in progress (${(await uploads()).join(', ')})`);
        // A host start sweeps only uploads older than an hour (a younger one may be another writer's): here, all.
        const sweeper = new S3Backend(server.settings(bucket), { staleUploadAgeMs: 0 });
        try {
          const aborted = await sweeper.sweep();
          c.ok(aborted >= 1, `the sweep aborts the upload left by the kill (${aborted} aborted)`);
        } finally {
          await sweeper.close();
        }
        c.ok((await uploads()).length === 0, `no upload is left in progress after the sweep (${(await uploads()).join(', ')})`);
        await checkEveryObjectWhole(c, f);

        const next = await cli(f, ['backup', '--json']);
        if (!c.ok(next.code === 0, `the next run completes (${next.stderr.slice(-300)})`)) return c;
        const nextKey = JSON.parse(next.stdout).manifestKey as string;
        c.ok((await currentPointer(f)) === nextKey, 'the pointer names the next run');
        c.ok(JSON.stringify(await restoreSnapshot(f, nextKey)) === JSON.stringify(after), 'the next backup restores, every table equal (the 20 MiB of rows included)');
        await checkPointerComplete(c, f);
        await checkNothingRunning(c, f);
        await checkEventChain(c, f);
      } finally {
        await f.cleanup();
      }
      return c;
    },
  };
}

export const s3CrashScenarios: Scenario[] = [
  ...BACKUP_CRASH_POINTS.map((p) => backupCrashScenario(p.point, p.step.replace(' in a temp file', ' in the PUT body'), p.advances, { s3: true })),
  s3MultipartKillScenario(),
];
