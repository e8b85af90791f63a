import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { StorageBackend } from '../../../src/storage/backend/storage-backend';
import type { CopySettings, CopyTarget } from '../settings/copies';
import { TARGET_BUCKET_SOURCE } from './open-target';

/** What the copy targets are checked against: the primary storage, as opened (Cotton's server_settings included) or as the variables name it. */
export interface PrimaryPlace {
  root: string;
  s3?: { bucket?: string; prefix?: string };
}

/**
 * The primary's place as its opened backend says: an S3 bucket chosen by Cotton's server_settings
 * is in no COTTON_STORAGE_S3_* variable, only in the backend (behind the retry wrapper). A backend
 * opened as a copy target (a restore reading from one) is no primary. With `fallback` (the
 * variables) a folder is the variables' root: no Cotton setting names it.
 */
export function primaryPlaceOf(backend: StorageBackend | undefined, fallback?: PrimaryPlace): PrimaryPlace | undefined {
  let inner: unknown = backend;
  while (inner && typeof inner === 'object' && 'inner' in inner) inner = (inner as { inner: unknown }).inner;
  const s3 = (inner as { settings?: { bucket?: unknown; prefix?: unknown; names?: { bucket?: unknown } } } | undefined)?.settings;
  if (typeof s3?.bucket === 'string' && s3.names?.bucket !== TARGET_BUCKET_SOURCE) {
    return { root: fallback?.root ?? '', s3: { bucket: s3.bucket, prefix: typeof s3.prefix === 'string' ? s3.prefix : '' } };
  }
  if (fallback) return fallback;
  const root = (inner as { root?: unknown } | undefined)?.root;
  return typeof root === 'string' ? { root } : undefined;
}

/**
 * Problems with the copy targets, each naming its target: a copy kept in the primary storage is
 * no copy (the same disk, the same deletion; a prune of it deletes Cotton's files), and an S3
 * target needs credentials. A folder is compared by its real path and by device and inode, so a
 * symbolic link, a bind mount or a second mount of the primary is caught where it exists now;
 * the identity markers (prove-target-identity.ts) catch what no path shows.
 */
export function copyTargetProblems(settings: CopySettings, primary: PrimaryPlace): string[] {
  const problems: string[] = [];
  for (const target of settings.targets) {
    const problem = targetProblem(target, settings, primary);
    if (problem) problems.push(`COTTON_BACKUP_COPIES: target ${target.name}: ${problem}`);
  }
  return problems;
}

export function targetProblem(target: CopyTarget, settings: CopySettings, primary: PrimaryPlace): string | undefined {
  if (target.kind === 'folder') return primary.s3?.bucket === undefined ? folderProblem(target.path, primary.root) : undefined;
  if (!settings.aws.accessKeyId || !settings.aws.secretAccessKey) {
    return 'an S3 target needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  if (primary.s3?.bucket === target.bucket && target.prefix.startsWith(primary.s3.prefix ?? '')) {
    return `is the primary storage's bucket s3://${target.bucket}/${primary.s3.prefix ?? ''} or inside it: a copy must live somewhere else`;
  }
  return undefined;
}

function folderProblem(path: string, root: string): string | undefined {
  const elsewhere = 'a copy must live somewhere else';
  if (within(path, root)) return `is the primary storage root ${resolve(root)} or inside it: ${elsewhere}`;
  const realRoot = realPathOf(root);
  const realPath = realPathOf(path);
  if (within(realPath, realRoot)) return `is the primary storage root ${realRoot} or inside it (through a symbolic link: ${path} is ${realPath}): ${elsewhere}`;
  const rootId = statSync(realRoot, { throwIfNoEntry: false });
  if (!rootId) return undefined;
  for (let dir = existingAncestor(realPath); ; dir = dirname(dir)) {
    const id = statSync(dir, { throwIfNoEntry: false });
    if (id && id.dev === rootId.dev && id.ino === rootId.ino) {
      return `is the primary storage root ${realRoot} or inside it under another name (${dir} is the same folder, device ${id.dev} inode ${id.ino}: a bind mount or a second mount of the same disk): ${elsewhere}`;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended (a target is made at its first copy). */
function realPathOf(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(realPathOf(parent), basename(absolute));
  }
}

function existingAncestor(path: string): string {
  let dir = path;
  while (dirname(dir) !== dir && !statSync(dir, { throwIfNoEntry: false })) dir = dirname(dir);
  return dir;
}

/** True when `path` is `root` or below it. */
export function within(path: string, root: string): boolean {
  const r = relative(resolve(root), resolve(path));
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}
