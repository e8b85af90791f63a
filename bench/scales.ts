/** The scales the suite runs at, and the chunk sizes it compares. */
import { DEFAULT_CHUNKING, type ChunkingParameters } from '../plugins/backup/chunking/fastcdc';


export interface Scale {
  name: string;
  /** generateDataset units; ~1.2 KB of database per file. */
  files: number;
  /** Also measure every chunk size of CHUNK_SWEEP (skipped at the largest scale to save time). */
  chunkSweep: boolean;
}

export const SCALES: Record<string, Scale> = {
  /** For developing the suite itself: seconds, not minutes. */
  tiny: { name: 'tiny', files: 10_000, chunkSweep: true },
  quick: { name: 'quick', files: 50_000, chunkSweep: true },
  '300MB': { name: '300MB', files: 250_000, chunkSweep: true },
  '1.5GB': { name: '1.5GB', files: 1_250_000, chunkSweep: false },
};

const KiB = 1024;
/** Content-defined chunking with min = avg / 4 and max = avg × 4, as the default has. */
const around = (avgBytes: number): ChunkingParameters => ({ minBytes: avgBytes / 4, avgBytes, maxBytes: avgBytes * 4 });

/** The average chunk sizes compared (the default among them), smallest first. */
export const CHUNK_SWEEP: ChunkingParameters[] = [64, 128, 256, 1024]
  .map((kib) => (kib * KiB === DEFAULT_CHUNKING.avgBytes ? DEFAULT_CHUNKING : around(kib * KiB)));

export const isDefaultChunking = (c: ChunkingParameters): boolean =>
  c.minBytes === DEFAULT_CHUNKING.minBytes && c.avgBytes === DEFAULT_CHUNKING.avgBytes && c.maxBytes === DEFAULT_CHUNKING.maxBytes;

export const chunkingLabel = (c: ChunkingParameters): string =>
  `${c.avgBytes >= 1024 * KiB ? `${c.avgBytes / 1024 / KiB} MiB` : `${c.avgBytes / KiB} KiB`}${isDefaultChunking(c) ? ' (default)' : ''}`;

export function chunkingEnv(c: ChunkingParameters): Record<string, string> {
  return { COTTON_CHUNK_MIN_BYTES: String(c.minBytes), COTTON_CHUNK_AVG_BYTES: String(c.avgBytes), COTTON_CHUNK_MAX_BYTES: String(c.maxBytes) };
}
