import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { StorageBackend } from '../../../src/storage/backend/storage-backend';
import { StorageUnusableError } from '../../../src/storage/backend/errors';
import type { CopyContext } from './copy-context';
import { copyStream } from './copy-stream';
import type { OpenedTarget } from './open-target';
import { recordedCopyInTarget } from './recorded-copy-in-target';
import { primaryPlaceOf, targetProblem } from './validate-targets';

/**
 * The role marker (#27 point 1), one file beside the objects, outside Cotton's key shape:
 * `primary` in the primary storage, `copy` in each copy target. The same name in both, so a
 * target that is the primary under another name (a symbolic link, a bind mount, a second mount,
 * another endpoint of the same bucket) or a copy of the primary's files (rsync) shows the
 * primary's marker and is refused before anything is written or deleted. Its own name, apart
 * from the storage identity record (cotton-backup-identity.json, the key proof): that one is the
 * primary's alone, bound to the database; this one says which role a storage plays.
 */
export const IDENTITY_MARKER = 'cotton-backup-role.json';
const PURPOSE = 'cotton-backup.storage-role.v1';

const markerSchema = z.object({
  purpose: z.literal(PURPOSE),
  role: z.enum(['primary', 'copy']),
  id: z.string().min(1),
  target: z.string().optional(),
  primaryId: z.string().optional(),
  createdAtUtc: z.string(),
});
type Marker = z.infer<typeof markerSchema>;

export class TargetIdentityError extends Error {
  readonly code = 'COPY_TARGET_REFUSED';
  constructor(
    target: string,
    readonly why: string,
  ) {
    super(`copy target ${target} refused, nothing written or deleted: ${why}`);
    this.name = 'TargetIdentityError';
  }
}

export interface ProveOptions {
  /** The operator says this target, which holds objects but no marker, is a copy: mark it (copies --adopt). */
  adopt?: boolean;
  /** Check only, write no marker (prune --dry-run). */
  readOnly?: boolean;
}

/**
 * Refuses (TargetIdentityError) a target that is, or may be, the primary storage: by place (real
 * path, device and inode, the primary's bucket as opened), then by marker. First use of an
 * empty target marks it a copy; a target with objects but no marker is adopted when it holds a
 * backup the database records as copied there, else waits for `copies --adopt`.
 * Run before every copy and prune: a link or a mount may change while the host runs.
 */
export async function proveTargetIdentity(ctx: CopyContext, opened: OpenedTarget, options: ProveOptions = {}): Promise<void> {
  const name = opened.target.name;
  const primaryBackend = ctx.storage.backend;
  if (!primaryBackend) throw new TargetIdentityError(name, 'the primary storage has no raw backend to compare with');
  const primaryPlace = primaryPlaceOf(primaryBackend);
  const place = primaryPlace && targetProblem(opened.target, ctx.settings, primaryPlace);
  if (place) throw new TargetIdentityError(name, place);
  const primary = await primaryIdentity(name, primaryBackend, options.readOnly === true);
  const marker = await readIdentity(name, opened.backend, 'the target').catch(folderNotMadeYet);
  if (marker?.role === 'primary') {
    throw new TargetIdentityError(
      name,
      marker.id === primary?.id
        ? `it holds the primary storage's own identity marker (${IDENTITY_MARKER}, id ${marker.id}): it is the primary under another name (a link, a mount, an alias of the bucket), or a copy of the primary's files. Point the target at storage of its own`
        : `it holds a primary storage's identity marker (${IDENTITY_MARKER}, id ${marker.id}): it is some Cotton deployment's primary storage, not a copy`,
    );
  }
  if (marker) return;
  let recorded: string | undefined;
  if (!options.adopt && (await holdsObjects(opened.backend))) {
    // Only with the primary's marker in place: an alias of the primary would show it, so a target
    // without it that holds a recorded copy is a storage of its own (one copied to before markers).
    recorded = primary && (await recordedCopyInTarget(ctx.pool, name, opened.storage));
    if (!recorded) {
      throw new TargetIdentityError(
        name,
        `it holds objects but no copy target marker (${IDENTITY_MARKER}), and no backup the database records as copied there: a target must be empty at its first use. If it genuinely holds copies of this deployment's backups (moved, or from another database), run \`cotton-backup copies --adopt ${name}\``,
      );
    }
  }
  if (options.readOnly) return;
  const copy: Marker = { purpose: PURPOSE, role: 'copy', id: randomUUID(), target: name, primaryId: primary?.id, createdAtUtc: new Date().toISOString() };
  const written = await writeIdentity(name, opened.backend, copy);
  if (written.id !== copy.id || (!options.adopt && !recorded)) return;
  const data = { target: name, by: options.adopt ? ('operator' as const) : ('record' as const), markerId: copy.id, ...(recorded ? { backupId: recorded } : {}) };
  ctx.logger?.warn(data, 'copy target adopted: it held objects but no copy marker');
  await ctx.journal.append(copyStream(name), [{ type: 'CopyTargetAdopted', data }]);
}

/** The primary's marker, written at its first need; refused when the primary carries a copy's marker. */
async function primaryIdentity(target: string, backend: StorageBackend, readOnly: boolean): Promise<Marker | undefined> {
  const existing = await readIdentity(target, backend, 'the primary storage');
  if (existing?.role === 'copy') {
    throw new TargetIdentityError(
      target,
      `the primary storage ${backend.description} holds a copy target's identity marker (${IDENTITY_MARKER}: target ${existing.target ?? '?'}, id ${existing.id}): a copy target was, or is, the primary under another name. Check every target of COTTON_BACKUP_COPIES, then remove ${IDENTITY_MARKER} from the primary storage`,
    );
  }
  if (existing || readOnly) return existing;
  return writeIdentity(target, backend, { purpose: PURPOSE, role: 'primary', id: randomUUID(), createdAtUtc: new Date().toISOString() });
}

async function readIdentity(target: string, backend: StorageBackend, what: string): Promise<Marker | undefined> {
  if (!backend.readMarker) throw new TargetIdentityError(target, `${what} (${backend.description}) cannot hold an identity marker`);
  const bytes = await backend.readMarker(IDENTITY_MARKER);
  if (bytes === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const marker = markerSchema.safeParse(parsed);
  if (!marker.success) throw new TargetIdentityError(target, `${what} has an unreadable ${IDENTITY_MARKER} (${backend.description}): not one this tool wrote; move it away and check what that storage is`);
  return marker.data;
}

/** Creates the marker, or hands back the one a racing first use wrote. */
async function writeIdentity(target: string, backend: StorageBackend, marker: Marker): Promise<Marker> {
  if (!backend.createMarker) throw new TargetIdentityError(target, `${backend.description} cannot hold an identity marker`);
  if (await backend.createMarker(IDENTITY_MARKER, Buffer.from(`${JSON.stringify(marker, null, 2)}\n`))) return marker;
  const raced = await readIdentity(target, backend, backend.description);
  if (!raced || raced.role !== marker.role) throw new TargetIdentityError(target, `another process wrote a different ${IDENTITY_MARKER} to ${backend.description} at the same moment`);
  return raced;
}

/**
 * A folder target not made yet is a first use, as an empty one is: no marker (the marker's write
 * creates the folder). The primary's folder must exist; only the target's read comes through here.
 */
function folderNotMadeYet(error: unknown): undefined {
  if (error instanceof StorageUnusableError && error.code === 'ENOENT' && error.step === 'read the folder') return undefined;
  throw error;
}

async function holdsObjects(backend: StorageBackend): Promise<boolean> {
  for await (const _ of backend.list()) return true;
  return false;
}
