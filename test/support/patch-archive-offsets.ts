import { scanArchive, writeArchiveOffsets, type ArchiveOffsetsResult } from '../../plugins/backup/dump/archive-offsets';

/**
 * Scan then write in one call, for specs and the bench: production scans while the archive is
 * still growing (restore/rebuild-with-offset-scan.ts) and writes later, so it never needs both at
 * once. Throws ArchiveOffsetsError, with the file unchanged, for anything that is not a
 * custom-format archive of version 1.14–1.16 laid out as pg_dump writes it; writes nothing unless
 * the whole file was read and understood first.
 */
export async function patchArchiveOffsets(file: string, options: { signal?: AbortSignal; durable?: boolean } = {}): Promise<ArchiveOffsetsResult> {
  return writeArchiveOffsets(file, await scanArchive(file, options), options);
}
