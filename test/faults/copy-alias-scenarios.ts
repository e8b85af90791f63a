/**
 * #27 point 1: a copy target that is really the primary storage under another name. A prune of
 * it once deleted Cotton's user file chunks from the primary (on the second day with the default
 * grace). Each scenario makes the alias the way an operator would, then prunes it through the CLI.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, symlink } from 'node:fs/promises';
import type { StorageBackend } from '../../src/storage/backend/storage-backend';
import type { Checks } from './checks';
import { cli, type FaultEnv } from './harness';
import type { Scenario } from './scenario';
import { firstBackup, OFFSITE, withCopyEnv } from './copies-harness';

const GRACE_0H = { COTTON_BACKUP_COPY_PRUNE_GRACE: '0h' };

async function keysOf(backend: StorageBackend): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const k of backend.list()) keys.add(k);
  return keys;
}

/** A Cotton user file's chunk in the primary, with its chunks row, that no backup uses: what the alias's prune took. */
async function plantUserChunk(f: FaultEnv): Promise<string> {
  const key = randomBytes(32).toString('hex');
  await f.storage.write(key, Buffer.from('a user file only Cotton knows'));
  await f.db.pool.query('INSERT INTO public.chunks (hash, size_bytes, stored_size_bytes) VALUES ($1, 29, 29)', [Buffer.from(key, 'hex')]);
  return key;
}

/** Two prunes of the alias (grace 0h: the second deletes what the first condemned); every primary object must stay. */
async function pruneAliasTwice(c: Checks, f: FaultEnv, userChunk: string): Promise<void> {
  const before = await keysOf(f.backend);
  for (let i = 1; i <= 2; i++) {
    const p = await cli(f, ['prune', '--target', OFFSITE]);
    c.ok(p.code !== 0 && /primary storage/.test(p.stderr), `prune ${i} refuses the alias of the primary, naming why (exit ${p.code}: ${p.stderr.slice(-300)})`);
  }
  const sync = await cli(f, ['copies', '--sync']);
  c.ok(sync.code !== 0, `copies --sync refuses the alias too (exit ${sync.code})`);
  const after = await keysOf(f.backend);
  const lost = [...before].filter((k) => !after.has(k));
  c.ok(lost.length === 0, `no primary object lost (lost ${lost.length}: ${lost.slice(0, 3).join(', ')})`);
  c.ok(after.has(userChunk), "the user file's chunk is still in the primary");
}

export const copyAliasScenarios: Scenario[] = [
  {
    id: 'copies: a target that is a symlink of the primary, then pruned',
    group: 'copies',
    how: 'backup 1 copied to the target; a Cotton user chunk (with its chunks row, used by no backup) put in the primary; the target folder replaced by a symbolic link to the primary root; `prune --target` twice with grace 0h; `copies --sync`',
    expect: 'each prune and the sync refuse (the target resolves into the primary root); no primary object lost, the user chunk among them',
    run: () =>
      withCopyEnv('falias1', GRACE_0H, async (c, { f, targetRoot }) => {
        if (!(await firstBackup(c, f))) return;
        const userChunk = await plantUserChunk(f);
        await rm(targetRoot, { recursive: true, force: true });
        await symlink(f.storageRoot, targetRoot);
        await pruneAliasTwice(c, f, userChunk);
      }),
  },
  {
    id: 'copies: a target that is a bind mount of the primary, then pruned',
    group: 'copies',
    how: 'as the symlink case, but the empty target folder is `mount --bind` of the primary root (needs root; without it the scenario fails saying so)',
    expect: 'each prune and the sync refuse (same device and inode as the primary root); no primary object lost',
    run: () =>
      withCopyEnv('falias2', GRACE_0H, async (c, { f, targetRoot }) => {
        if (!c.ok(process.getuid?.() === 0, 'runs as root (mount --bind)')) return;
        if (!(await firstBackup(c, f))) return;
        const userChunk = await plantUserChunk(f);
        await rm(targetRoot, { recursive: true, force: true });
        await mkdir(targetRoot);
        execFileSync('mount', ['--bind', f.storageRoot, targetRoot]);
        try {
          await pruneAliasTwice(c, f, userChunk);
        } finally {
          execFileSync('umount', [targetRoot]);
        }
      }),
  },
];
