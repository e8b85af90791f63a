/** The shape of a run's results, as saved in bench/results/<mode>.json. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type AuditBenchResult } from './audit';
import { type ChangePattern, type DayOfChanges } from './dataset';
import { type MachineInfo } from './machine';
import { type TriggerLatencyResult } from './trigger-latency';
import { type Summary } from './stats';
import type { ChunkingParameters } from '../plugins/backup/chunking/fastcdc';
import type { CliStartResult } from './cli-start';
import type { ResticResult } from './restic';


export interface PairedFigure {
  ours: Summary;
  baseline: Summary;
  /** Per-round ratio ours / baseline. */
  ratio: Summary;
}

/** What a second backup, after a day of changes, added to the storage its first backup filled. */
export interface SecondBackup {
  /** Plaintext bytes of this backup's dump (for Cotton's way: its pg_dump-compressed dump). */
  dumpBytes: number;
  /** Plaintext bytes of the objects it added. */
  newPlaintextBytes: number;
  /** Stored (compressed, encrypted) bytes of the objects it added. */
  newObjectBytes: number;
  newObjects: number;
  durationMs: number;
  /** Like for like: new plaintext ÷ the dump's plaintext, %. */
  plaintextPercent: number;
  /** Like for like: new stored bytes ÷ the first backup's stored bytes, %. */
  storedPercent: number;
}

export interface DayResult {
  change: DayOfChanges;
  /** With the default chunking. */
  ours: SecondBackup;
  cotton: SecondBackup;
}

/** One chunk size measured on its own storage root: first backup, its restore, and each day of changes. */
export interface ChunkingRun {
  chunking: ChunkingParameters;
  /** One run each (the default's figures come from the rounds above). */
  firstBackupMs: number;
  storedBytes: number;
  objects: number;
  peakRssBytes: number;
  restoreMs: number;
  days: { pattern: ChangePattern; second: SecondBackup }[];
}

export interface ScaleResult {
  scale: string;
  measuredAt: string;
  files: number;
  databaseBytes: number;
  generateMs: number;
  /** Our dump (pg_dump -Fc -Z0) size; Cotton's compressed dump size. */
  dumpBytes: number;
  cottonDumpBytes: number;
  backupVsFloor: PairedFigure;
  backupVsCotton: PairedFigure;
  storedBytes: { ours: Summary; cotton: Summary; ratio: Summary };
  /** Inside ours: the verification pass, and the pg_restore step (extensions + pg_restore -j 2). */
  restore: PairedFigure & { verifyMs: Summary; pgRestoreStepMs?: Summary; jobs?: number };
  rss: { backup: Summary; restore: Summary; cottonWay: Summary; startRss: Summary };
  days: DayResult[];
  /** Share of the rows' text in the tables a day of changes touches in place (bounds reuse after a scattered day). */
  changedInPlaceShare?: number;
  /** Every chunk size of CHUNK_SWEEP, when the scale measures them. */
  chunkSweep?: ChunkingRun[];
  /** CPU of our backup's and restore's process trees (worker + pg_dump / pg_restore); absent in results saved before it was recorded. */
  cpuMs?: { backup: Summary; restore: Summary };
  /** restic beside ours (bench/restic.ts); absent in results saved before restic was in the suite. */
  restic?: ResticResult;
}

export interface BenchResults {
  mode: 'quick' | 'full';
  startedAt: string;
  /** The commit measured (short hash, `-dirty` with local changes); absent in results saved before it was recorded. */
  commit?: string;
  durationMs: number;
  machine: MachineInfo;
  runs: number;
  scales: ScaleResult[];
  audit?: AuditBenchResult;
  triggerLatency?: TriggerLatencyResult;
  cliStart?: CliStartResult;
  /** 1-, 5-, 15-minute load averages at the start and the end: the machine is shared. */
  loadAverage: { start: number[]; end: number[] };
  /** Steps not (yet) measured: non-empty while running, or when the run was cut short. */
  pending: string[];
  /** Steps left out on purpose by an option (e.g. --no-trigger), as opposed to cut short. */
  skipped?: string[];
  /** With --merge: the start of the earlier run whose other figures this one kept. */
  mergedFrom?: string;
}

export async function readResults(path: string): Promise<BenchResults | undefined> {
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as BenchResults) : undefined;
}

