import type { StorageBackend } from '../../../src/storage/backend/storage-backend';
import { deriveEventSealKey } from '../../../src/keys/keys';
import type { CopyContext } from '../copies/copy-context';
import { openTarget } from '../copies/open-target';
import { IDENTITY_MARKER, proveTargetIdentity, TargetIdentityError } from '../copies/prove-target-identity';
import { createJournal } from '../projections/journal';
import { fail, ok, warn, type Check, type CheckLine } from './check-line';

/**
 * Each copy target opens, lists, and proves it is a copy of this deployment by its marker, read
 * only (proveTargetIdentity's readOnly): nothing is written to a target or the primary here.
 */
export const copyTargetsCheck: Check = {
  name: 'copy targets',
  needs: ['configuration', 'database', 'storage'],
  async run(env) {
    const settings = env.settings().copies;
    if (settings.targets.length === 0) return [ok('copy targets', 'none configured (COTTON_BACKUP_COPIES): every backup lives in the primary storage only')];
    const pool = env.pool();
    const masterEncryptionKey = await env.masterEncryptionKey();
    const ctx: CopyContext = {
      pool, journal: createJournal(pool, deriveEventSealKey(masterEncryptionKey)), storage: await env.storage(), masterEncryptionKey,
      settings, clock: { now: () => env.now() }, secrets: [], zstdLevel: env.config().storage.zstdLevel,
    };
    const lines: CheckLine[] = [];
    for (const target of settings.targets) lines.push(await checkTarget(ctx, target));
    return lines;
  },
};

async function checkTarget(ctx: CopyContext, target: CopyContext['settings']['targets'][number]): Promise<CheckLine> {
  const name = `copy target ${target.name}`;
  let opened;
  try {
    opened = await openTarget(target, ctx.settings, ctx.masterEncryptionKey, ctx.zstdLevel);
  } catch (error) {
    return fail(name, `cannot be opened: ${(error as Error).message}`, 'correct its URL in COTTON_BACKUP_COPIES (and the AWS_* variables for S3)');
  }
  try {
    await proveTargetIdentity(ctx, opened, { readOnly: true });
    const marker = await opened.backend.readMarker?.(IDENTITY_MARKER);
    if (marker === undefined) {
      const empty = await isEmpty(opened.backend);
      return warn(name, `reachable, ${empty ? 'empty and not marked yet' : 'holds copies the database records but no marker'} (${IDENTITY_MARKER})`, 'the next copy marks it: `cotton-backup copies --sync`');
    }
    return ok(name, `reachable, holds its copy marker (${IDENTITY_MARKER})`);
  } catch (error) {
    if (error instanceof TargetIdentityError) return fail(name, `refused: ${error.why}`, fixOf(error.why, target.name));
    return fail(name, `unreachable: ${(error as Error).message}`, 'make the target reachable and readable by this user (the folder, the bucket, its credentials)');
  } finally {
    await opened.close();
  }
}

async function isEmpty(backend: StorageBackend): Promise<boolean> {
  for await (const _ of backend.list()) return false;
  return true;
}

function fixOf(why: string, target: string): string {
  if (why.includes('copies --adopt')) return `if it holds copies of this deployment's backups, run \`cotton-backup copies --adopt ${target}\`; else point the target at empty storage`;
  return 'point the target at storage of its own (see the reason)';
}
