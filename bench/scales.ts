/** The scales the suite runs at, and the alternative chunking it compares. */
import type { ChunkingParameters } from '../plugins/backup/chunking/fastcdc';


export interface Scale {
  name: string;
  /** generateDataset units; ~1.2 KB of database per file. */
  files: number;
  /** Also measure the day of changes with ALT_CHUNKING (skipped at the largest scale to save time). */
  smallChunks: boolean;
}

export const SCALES: Record<string, Scale> = {
  /** For developing the suite itself: seconds, not minutes. */
  tiny: { name: 'tiny', files: 10_000, smallChunks: true },
  quick: { name: 'quick', files: 50_000, smallChunks: true },
  '300MB': { name: '300MB', files: 250_000, smallChunks: true },
  '1.5GB': { name: '1.5GB', files: 1_250_000, smallChunks: false },
};

/** Smaller content-defined chunks than the default, for the day-of-changes comparison. */
export const ALT_CHUNKING: ChunkingParameters = { minBytes: 16 * 1024, avgBytes: 64 * 1024, maxBytes: 256 * 1024 };
export const altLabel = `${ALT_CHUNKING.avgBytes / 1024} KiB chunks`;

export function chunkingEnv(c: ChunkingParameters): Record<string, string> {
  return { COTTON_CHUNK_MIN_BYTES: String(c.minBytes), COTTON_CHUNK_AVG_BYTES: String(c.avgBytes), COTTON_CHUNK_MAX_BYTES: String(c.maxBytes) };
}

