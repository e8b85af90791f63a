/**
 * Made-up benchmark results, shaped like bench/results/<mode>.json and the extras' files, for the
 * specs of the rendering (no benchmark is run). `factor` scales every time and ratio, so that two
 * fixtures make a "previous" and a "latest" run that differ.
 */
import type { BenchResults, ScaleResult } from '../../bench/results';
import type { ExtrasResults } from '../../bench/extras';
import { summarize, type Summary } from '../../bench/stats';

const MiB = 1024 * 1024;
const spread = (median: number): Summary => summarize([median * 0.98, median, median * 1.03]);

export function scaleFixture(name: string, measuredAt: string, factor = 1): ScaleResult {
  const day = (pattern: 'clustered' | 'scattered', percent: number) => ({
    change: { pattern, inserted: 6252, updated: 497, deleted: 2490, rowsBefore: 312_599 },
    ours: { dumpBytes: 42.6 * MiB, newPlaintextBytes: 9.7 * MiB, newObjectBytes: 3.6 * MiB, newObjects: 34, durationMs: 471, plaintextPercent: percent * factor, storedPercent: (percent + 0.3) * factor },
    cotton: { dumpBytes: 18.1 * MiB, newPlaintextBytes: 18.1 * MiB, newObjectBytes: 18.1 * MiB, newObjects: 3, durationMs: 1260, plaintextPercent: 100, storedPercent: 101.1 },
  });
  return {
    scale: name,
    measuredAt,
    files: 50_000,
    databaseBytes: 64.7 * MiB,
    generateMs: 9000,
    dumpBytes: 42.2 * MiB,
    cottonDumpBytes: 17.9 * MiB,
    backupVsFloor: { ours: spread(750 * factor), baseline: spread(237), ratio: spread(3.16 * factor) },
    backupVsCotton: { ours: spread(750 * factor), baseline: spread(1240), ratio: spread(1.66 / factor) },
    storedBytes: { ours: spread(15.6 * MiB), cotton: spread(17.9 * MiB), ratio: spread(0.87) },
    restore: { ours: spread(884 * factor), baseline: spread(541), ratio: spread(1.63 * factor), verifyMs: spread(218 * factor), pgRestoreStepMs: spread(628), jobs: 2 },
    rss: { backup: spread(176 * MiB * factor), restore: spread(160 * MiB * factor), cottonWay: spread(148.7 * MiB), startRss: spread(60 * MiB) },
    days: [day('clustered', 22.7), day('scattered', 76.2)],
    changedInPlaceShare: 0.748,
  };
}

export function runFixture(startedAt: string, factor = 1, scales = ['quick']): BenchResults {
  return {
    mode: 'quick',
    startedAt,
    commit: 'abc1234',
    durationMs: 55_300,
    machine: { cpus: 2, cpuModel: 'AMD EPYC', memoryBytes: 23.54 * 1024 * MiB, postgres: 'PostgreSQL 15.20', pgDump: 'pg_dump (PostgreSQL) 15.20', node: 'v24.21.0', disk: 'tmp on ext4', platform: 'linux x64' },
    runs: 3,
    scales: scales.map((s) => scaleFixture(s, startedAt, factor)),
    audit: { events: 100_002, insertMs: 3100, insertEventsPerSecond: 32_257, runs: 50, backupAuditMs: spread(0.83 * factor), recentAuditMs: spread(0.7 * factor) },
    triggerLatency: {
      measuredAt: startedAt,
      perPath: 20,
      dumpBytes: 1e6,
      notify: { n: 20, p50Ms: 8 * factor, p99Ms: 14 * factor, minMs: 4, maxMs: 14, meanMs: 8, samplesMs: [] },
      requestCheckpoint: { n: 20, p50Ms: 5 * factor, p99Ms: 12 * factor, minMs: 3, maxMs: 12, meanMs: 5, samplesMs: [] },
    },
    cliStart: {
      measuredAt: startedAt,
      runs: 10,
      nodeVersion: 'v24.21.0',
      baseline: { wallMs: spread(27), cpuMs: 30 },
      commands: [
        { command: 'cotton-backup --help', wallMs: spread(167 * factor), ratio: spread(6.09 * factor), cpuMs: 203, targetMs: 300 },
        { command: 'cotton-backup list', wallMs: spread(207 * factor), ratio: spread(7.55 * factor), cpuMs: 236, targetMs: 500 },
      ],
      loadAverage: { start: [2, 2, 2], end: [2, 2, 2] },
    },
    loadAverage: { start: [2.19, 2.26, 2.18], end: [2.18, 2.26, 2.19] },
    pending: [],
  };
}

export function extrasFixture(measuredAt: string, factor = 1): ExtrasResults {
  const at = measuredAt;
  return {
    profile: {
      measuredAt: at,
      scale: '300MB',
      runs: 3,
      cores: 2,
      dumpBytes: 210.8 * MiB,
      chunks: 716,
      floorWallMs: spread(851),
      real: { wallMs: spread(2900), oursCpuMs: spread(3200), pgDumpCpuMs: spread(320), backendCpuMs: spread(580) },
      perMiB: {
        backend: 2.75,
        pgDump: 1.52,
        oursReal: 15.25 * factor,
        threads: { MainThread: 5.79 * factor, V8Worker: 3.7 },
        stages: { chunking: 0.71 * factor, 'zstd level 1': 2.4 },
        zstd: [{ level: 1, cpuMsPerMiB: 2.4, ratio: 2.59 }],
        stagesSum: 3.11,
        overhead: 12.14,
      },
      ioWallMsPerMiB: { write: 1, fsync: 1 },
      majorGcsPerRun: Math.round(44 * factor),
      floor: { floorCpuMs: 600, cpuBoundMs: 2060, bestRatio: 2.42 * factor, measuredRatio: 3.43 * factor },
      loadAverage: { start: [2.15, 1.9, 2.4], end: [2, 2, 2] },
    },
    retention: { measuredAt: at, chunkRows: 1_000_000, backup: spread(669), retention: spread(21 * factor), ratio: 0.033 * factor },
    s3: [
      {
        measuredAt: at,
        scale: 'quick',
        databaseBytes: 64.7 * MiB,
        runs: 1,
        measured: [
          { storage: 'S3', op: 'backup', durationMs: 1230 * factor, peakRssBytes: 216.1 * MiB },
          { storage: 'folder', op: 'backup', durationMs: 898, peakRssBytes: 180 * MiB },
          { storage: 'S3', op: 'restore', durationMs: 1070 * factor, peakRssBytes: 176.4 * MiB },
          { storage: 'folder', op: 'restore', durationMs: 921, peakRssBytes: 170 * MiB },
        ],
      },
    ],
    copy: {
      measuredAt: at,
      scale: 'quick',
      files: 50_000,
      table: [
        '| target | backup | dump | backup time | copy time | copy / backup | objects sent | objects skipped |',
        '| --- | --- | --: | --: | --: | --: | --: | --: |',
        `| folder | first backup | 42.2 MiB | 1.00 s | 761 ms | ${(0.76 * factor).toFixed(2)} | 148 (15.6 MiB) | 0 |`,
        `| S3 | day of changes | 42.6 MiB | 467 ms | 532 ms | ${(1.14 * factor).toFixed(2)} | 34 (3.6 MiB) | 114 |`,
      ],
    },
    rowCounts: [
      { measuredAt: at, scale: '300MB', databaseBytes: 287.4 * MiB, on: spread(3600), off: spread(3170), ratio: spread(1.07 * factor) },
    ],
  };
}
