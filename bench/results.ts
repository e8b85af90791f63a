/** The shape of a run's results, as saved in bench/results/<mode>.json. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type AuditBenchResult } from './audit';
import { type DayOfChanges } from './dataset';
import { type MachineInfo } from './machine';
import { type TriggerLatencyResult } from './trigger-latency';
import { type Summary } from './stats';
import type { ChunkingParameters } from '../plugins/backup/chunking/fastcdc';
import type { CliStartResult } from './cli-start';


export interface PairedFigure {
  ours: Summary;
  baseline: Summary;
  /** Per-round ratio ours / baseline. */
  ratio: Summary;
}

export interface SecondBackup {
  dumpBytes: number;
  newObjectBytes: number;
  newObjects: number;
  newPlaintextBytes: number;
  durationMs: number;
  percentOfDump: number;
}

export interface DayResult {
  change: DayOfChanges;
  /** With the default chunking (COTTON_CHUNK_* defaults: 256 KiB / 1 MiB / 4 MiB). */
  ours: SecondBackup;
  /** With ALT_CHUNKING (when the scale measures it). */
  oursSmallChunks?: SecondBackup;
  cotton: { dumpBytes: number; newObjectBytes: number; newObjects: number; durationMs: number; percentOfDump: number };
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
  restore: PairedFigure & { verifyMs: Summary; pgRestoreStepMs?: Summary };
  rss: { backup: Summary; restore: Summary; cottonWay: Summary; startRss: Summary };
  days: DayResult[];
  /** The first backup with ALT_CHUNKING (one run): the price of smaller chunks. */
  smallChunks?: { chunking: ChunkingParameters; firstBackupMs: number; storedBytes: number; peakRssBytes: number };
}

export interface BenchResults {
  mode: 'quick' | 'full';
  startedAt: string;
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
  /** With --merge: the start of the earlier run whose other figures this one kept. */
  mergedFrom?: string;
}

export async function readResults(path: string): Promise<BenchResults | undefined> {
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as BenchResults) : undefined;
}

