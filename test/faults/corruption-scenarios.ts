import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { loadConfig } from '../../src/config/config';
import { Host } from '../../src/host/host';
import { HostTokens } from '../../src/contract/services';
import { resolve } from '../../src/contract/tokens';
import { objectPath } from '../../src/storage/filesystem/filesystem-store';
import { readManifest } from '../../plugins/backup/repository/manifest-store';
import { VERIFY_QUEUE } from '../../plugins/backup/core/queues';
import { checkEventChain, checkNoLeaks, checks, type Checks } from './checks';
import { cli, createFaultEnv, currentPointer, type FaultEnv } from './harness';
import type { Scenario } from './scenario';

/** The stored (container) bytes of `key`, read past the pipeline: what is in the folder or the bucket. */
async function rawBytes(f: FaultEnv, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await f.backend.openRead(key)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Replaces the stored bytes of `key` in place, as someone with write access to the storage can. */
async function overwriteRaw(f: FaultEnv, key: string, bytes: Buffer): Promise<void> {
  await f.backend.write(key, Readable.from([bytes]), { overwrite: true });
}

/** Four chunks damaged four ways, in the folder or the bucket; returns key → the problem `verify` must name. */
async function damage(f: FaultEnv, manifestKey: string): Promise<Map<string, string[]>> {
  const manifest = await readManifest(f.storage, manifestKey);
  const keys = [...new Set(manifest.chunks.map((c) => c.storageKey))];
  if (keys.length < 5) throw new Error(`need at least 5 distinct chunks, the backup has ${keys.length}`);
  const [gone, cut, flipped, swapped, donor] = keys as [string, string, string, string, string];
  await f.backend.delete(gone);
  const whole = await rawBytes(f, cut);
  await overwriteRaw(f, cut, whole.subarray(0, Math.floor(whole.length / 2)));
  const bytes = await rawBytes(f, flipped);
  bytes[bytes.length - 100]! ^= 0xff; // inside the last chunk's ciphertext: the GCM tag fails
  await overwriteRaw(f, flipped, bytes);
  await overwriteRaw(f, swapped, await rawBytes(f, donor)); // a valid object, wrong content
  return new Map([
    [gone, ['missing']],
    [cut, ['truncated']],
    [flipped, ['unreadable']],
    [swapped, ['size_mismatch', 'hash_mismatch']],
  ]);
}

async function verificationEvents(f: FaultEnv, type: string) {
  const { rows } = await f.db.pool.query('SELECT stream_id, data FROM cotton_backup.events WHERE type = $1 ORDER BY global_position', [type]);
  return rows as Array<{ stream_id: string; data: any }>;
}

async function notified(f: FaultEnv): Promise<number> {
  const { rows } = await f.db.pool.query("SELECT count(*)::int AS n FROM cotton_backup.admin_notifications WHERE kind = 'verification_failed'");
  return rows[0].n;
}

async function backedUp(c: Checks, f: FaultEnv): Promise<string | undefined> {
  const r = await cli(f, ['backup', '--json']);
  c.ok(r.code === 0, `the backup succeeds (${r.stderr.slice(-300)})`);
  return r.code === 0 ? (JSON.parse(r.stdout).manifestKey as string) : undefined;
}

/** `s3`: the backup's storage is a bucket on s3rver and the damage is done to its objects. */
function cliVerifyScenario(options: { s3?: boolean } = {}): Scenario {
  return {
    id: options.s3 ? 'corruption s3: verify finds every damaged chunk in the bucket' : 'corruption: verify finds every damaged chunk',
    group: 'corruption',
    how: `a backup${options.s3 ? ' to a bucket on s3rver' : ''}, then one chunk deleted, one truncated to half, one with a flipped ciphertext byte, one replaced by another object; \`cotton-backup verify --json\``,
    expect: 'exit 5; each of the 4 keys reported with its own problem; VerificationFailed recorded; every admin notified',
    async run() {
      const c = checks();
      const f = await createFaultEnv('fcorrupt', { s3: options.s3 });
      try {
        const key = await backedUp(c, f);
        if (!key) return c;
        const intact = await cli(f, ['verify', '--json']);
        c.ok(intact.code === 0 && JSON.parse(intact.stdout).ok === true, `an intact backup verifies (exit ${intact.code})`);
        c.ok((await verificationEvents(f, 'Verified')).length === 1, 'Verified is recorded');
        const expected = await damage(f, key);
        const r = await cli(f, ['verify', '--json']);
        c.ok(r.code === 5, `verify exits 5 (got ${r.code}: ${r.stderr.slice(-200)})`);
        const report = r.stdout ? JSON.parse(r.stdout) : { problems: [] };
        const found = new Map<string, string>(report.problems.map((p: any) => [p.key, p.problem]));
        for (const [k, kinds] of expected) c.ok(kinds.includes(found.get(k) ?? 'none'), `chunk ${k.slice(0, 12)} reported as ${kinds.join('/')} (got ${found.get(k)})`);
        c.ok(found.size === expected.size, `exactly the damaged keys are reported (${found.size})`);
        const failed = await verificationEvents(f, 'VerificationFailed');
        c.ok(failed.length === 1 && failed[0]!.data.problems.length === expected.size, 'VerificationFailed lists every problem');
        c.ok((await notified(f)) === 2, 'both admins are notified (verification_failed)');
        const byId = await cli(f, ['verify', '--backup', report.backupId ?? '0'.repeat(32), '--json', '--no-record']);
        c.ok(byId.code === 5, 'verify --backup <id> finds the same problems');
        await f.backend.delete(key);
        const noManifest = await cli(f, ['verify', '--json', '--no-record']);
        const p = noManifest.stdout ? JSON.parse(noManifest.stdout).problems : [];
        c.ok(noManifest.code === 5 && p[0]?.key === key && p[0]?.problem === 'missing', 'a missing manifest is reported by its key');
        await checkEventChain(c, f);
        await checkNoLeaks(c, f);
      } finally {
        await f.cleanup();
      }
      return c;
    },
  };
}

const scheduledVerify: Scenario = {
  id: 'corruption: the scheduled verification records it',
  group: 'corruption',
  how: 'a backup with one chunk deleted; a running host gets a job on its pg-boss verification queue (what COTTON_VERIFY_SCHEDULE sends)',
  expect: 'VerificationFailed recorded by the host, admins notified, host keeps running',
  async run() {
    const c = checks();
    const f = await createFaultEnv('fsched');
    try {
      const key = await backedUp(c, f);
      if (!key) return c;
      await rm(objectPath(f.storageRoot, (await readManifest(f.storage, key)).chunks[0]!.storageKey));
      const host = new Host({ config: loadConfig({ ...f.env, COTTON_LOG_LEVEL: 'silent' }) });
      await host.start();
      try {
        await resolve(host.pluginContainer('backup')!, HostTokens.Boss).send(VERIFY_QUEUE, {});
        const deadline = Date.now() + 30_000;
        // The notification is recorded just after VerificationFailed: wait for both.
        while (Date.now() < deadline && ((await verificationEvents(f, 'VerificationFailed')).length === 0 || (await notified(f)) < 2)) await new Promise((r) => setTimeout(r, 250));
        const failed = await verificationEvents(f, 'VerificationFailed');
        c.ok(failed.length === 1 && failed[0]!.data.problems[0]?.problem === 'missing', 'the host records VerificationFailed (missing chunk)');
        c.ok((await notified(f)) === 2, 'both admins are notified');
        c.ok(host.state === 'running', 'the host keeps running');
      } finally {
        await host.stop();
      }
      c.ok((await currentPointer(f)) === key, 'verification never moves the pointer');
      await checkNoLeaks(c, f);
    } finally {
      await f.cleanup();
    }
    return c;
  },
};

export const corruptionScenarios: Scenario[] = [cliVerifyScenario(), scheduledVerify, cliVerifyScenario({ s3: true })];
