/**
 * bench/history/<mode>.json (committed, unlike bench/results): per section of BENCHMARKS.md, the
 * figures of the run it shows and of the run before, so that a fresh checkout can still say what
 * changed. Written only when BENCHMARKS.md is.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fmtBytes } from '../stats';
import type { Figure, History, Measurement } from './figures';

export const HISTORY_DIR = import.meta.dirname;

export const historyPath = (mode: 'full' | 'quick' | 'extras') => join(HISTORY_DIR, `${mode}.json`);

export async function readHistory(path: string): Promise<History> {
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as History) : { sections: {} };
}

/** Indented, one figure a line: small, and a run's diff reads figure by figure. */
export function historyJson(history: History): string {
  return `${JSON.stringify(history, null, 2).replace(/\{\n\s*"value": ([^,\n]+),\n\s*"unit": ("[^"\n]+")\n\s*\}/g, '{ "value": $1, "unit": $2 }')}\n`;
}

export async function writeHistory(path: string, history: History): Promise<void> {
  await writeFile(path, historyJson(history));
}

const sameFigures = (a: Record<string, Figure>, b: Record<string, Figure>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, f]) => b[k]?.unit === f.unit && b[k]?.value === f.value);

/**
 * The history with `measured` as the section's latest run; the run it replaces becomes previous.
 * The same run rendered again (same measuredAt, or the very same figures) replaces nothing: a run
 * publishes after every step, `--render` and `bench/extras.ts` without `--run` render saved results.
 */
export function roll(history: History, section: string, m: Measurement): History {
  // Values are kept unrounded: rounded twice (here, then when printed) a figure could print otherwise than the table did.
  const existing = history.sections[section];
  let next;
  if (!existing) next = { latest: m };
  else if (existing.latest.measuredAt === m.measuredAt)
    next = { ...existing, latest: { ...m, commit: existing.latest.commit, machine: existing.latest.machine, ...(existing.latest.source ? { source: existing.latest.source } : {}) } };
  else if (sameFigures(existing.latest.figures, m.figures)) next = existing;
  else next = { latest: m, previous: existing.latest };
  return { sections: { ...history.sections, [section]: next } };
}

/** The commit checked out, `-dirty` when tracked files differ (other than what a run itself writes). */
export function currentCommit(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: HISTORY_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--untracked-files=no')
      .split('\n')
      .filter((line) => line.trim() !== '' && !/ (BENCHMARKS\.md|bench\/history\/)/.test(line));
    return dirty.length > 0 ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

/** For results that do not record their machine (the extras): the same facts from this process. */
export function thisMachine(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${fmtBytes(totalmem())} RAM, Node ${process.version}`;
}
