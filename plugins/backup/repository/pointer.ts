import { z } from 'zod';
import { BackupPluginError } from '../core/errors';

export const POINTER_LOGICAL_KEY = 'database.ctn';

/** Cotton's mutable latest-backup pointer (COTTON.md §4). */
export const pointerSchema = z.object({
  schemaVersion: z.literal(1),
  logicalKey: z.literal(POINTER_LOGICAL_KEY),
  updatedAtUtc: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 timestamp'),
  latestManifestStorageKey: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256'),
  latestBackupId: z.string().regex(/^[0-9a-f]{32}$/, 'a GUID as 32 lowercase hex characters'),
});

export type Pointer = z.infer<typeof pointerSchema>;

/** A pointer is small; a bigger object under its key is not one, and is not read whole. */
export const MAX_POINTER_BYTES = 64 * 1024;

/** The pointer naming one backup's manifest, as every writer (a backup, a copy) writes it. */
export function pointerTo(manifestKey: string, backupId: string, now: Date): Pointer {
  return {
    schemaVersion: 1,
    logicalKey: POINTER_LOGICAL_KEY,
    updatedAtUtc: now.toISOString(),
    latestManifestStorageKey: manifestKey,
    latestBackupId: backupId,
  };
}

export class InvalidPointerError extends BackupPluginError {
  constructor(readonly detail: string) {
    super('INVALID_POINTER', `invalid latest-backup pointer: ${detail}`);
    this.name = 'InvalidPointerError';
  }
}

export function serializePointer(pointer: Pointer): Buffer {
  return Buffer.from(JSON.stringify(pointer), 'utf8');
}

export function parsePointer(bytes: Buffer): Pointer {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InvalidPointerError('not valid JSON');
  }
  const parsed = pointerSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidPointerError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}
