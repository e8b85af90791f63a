import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { pointerStorageKey } from '../../../src/keys/keys';
import { readManifest, readPointer } from '../repository/manifest-store';

export interface RestoreSource {
  /** Undefined for the primary storage; else the copy target's name. */
  name?: string;
  storage: ObjectStorage;
}

export interface RankedSource extends RestoreSource {
  /** When the backup its pointer names was made; undefined when the pointer or that manifest cannot be read. */
  newestAtUtc?: string;
  newestBackupId?: string;
}

const POINTER_READ_MS = 15_000;

/**
 * Every source's pointer read (cheap: two small objects each) and the sources ordered by the
 * backup it names, newest first; the primary first among equals, then the configured order; a
 * source whose pointer cannot be read (or does not answer in time) last. A primary volume put
 * back from an older snapshot must not win over a copy holding a newer backup.
 */
export async function rankSources(sources: readonly RestoreSource[], masterEncryptionKey: Buffer): Promise<RankedSource[]> {
  const timeout = new AbortController();
  const unanswered = (s: RestoreSource) => sleep(POINTER_READ_MS, { ...s } as RankedSource, { signal: timeout.signal }).catch(() => ({ ...s }));
  const ranked = await Promise.all(sources.map((s) => Promise.race([newestOf(s, masterEncryptionKey), unanswered(s)]))).finally(() => timeout.abort());
  const at = (s: RankedSource) => (s.newestAtUtc ? Date.parse(s.newestAtUtc) : -Infinity);
  return ranked.map((s, i) => ({ s, i })).sort((a, b) => at(b.s) - at(a.s) || a.i - b.i).map((x) => x.s);
}

async function newestOf(source: RestoreSource, masterEncryptionKey: Buffer): Promise<RankedSource> {
  const pointer = await readPointer(source.storage, pointerStorageKey(masterEncryptionKey)).catch(() => undefined);
  const manifest = pointer && (await readManifest(source.storage, pointer.latestManifestStorageKey).catch(() => undefined));
  return manifest ? { ...source, newestAtUtc: manifest.createdAtUtc, newestBackupId: manifest.backupId } : { ...source };
}

/** Why this source was restored from, for the log, the result and the admins' notification. */
export function sourceChoice(chosen: RankedSource, ranked: readonly RankedSource[]): string {
  const label = (s: RankedSource) => (s.name ? `copy target ${s.name}` : 'the primary storage');
  const others = ranked.filter((s) => s !== chosen).map((s) => `${label(s)}: ${s.newestBackupId ? `backup ${s.newestBackupId} of ${s.newestAtUtc}` : 'no readable pointer'}`);
  return `${label(chosen)}, the source with the newest backup that verified${others.length ? ` (also read: ${others.join('; ')})` : ''}`;
}
