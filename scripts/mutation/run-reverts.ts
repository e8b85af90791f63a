/**
 * `npm run mutate:reverts [-- --only 27.3]`: each fix of issue 27 (test/mutation/hardening-reverts.ts)
 * reverted in place, one at a time, against the specs named for it, through the same vitest config
 * Stryker uses (only those specs run). Killed = a spec failed; survived = all passed, a gap to close.
 * Writes reports/mutation/hardening-reverts.json and exits non-zero when any revert survived.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HARDENING_REVERTS, type HardeningRevert } from '../../test/mutation/hardening-reverts';
import { REPO, REPORTS } from './paths';

export interface RevertResult {
  point: string;
  fix: string;
  file: string;
  specs: string[];
  status: 'killed' | 'survived' | 'sqlOnly' | 'error';
  failed: string[];
  note?: string;
}

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const entries = HARDENING_REVERTS.filter((e) => !only || e.point === only);
if (entries.length === 0) throw new Error(`no entry for point ${only}`);

function occurrences(text: string, find: string): number {
  return text.split(find).length - 1;
}

// A revert left in the tree by a crash must be visible: refuse to start on a file git sees changed,
// so that after any run a clean `git status` proves every file is back.
const targets = [...new Set(entries.filter((e) => !e.sqlOnly).map((e) => e.file))];
const dirty = execFileSync('git', ['status', '--porcelain', '--', ...targets], { cwd: REPO, encoding: 'utf8' }).trim();
if (dirty !== '') {
  console.error(`refusing to run: these files are modified, commit or restore them first:\n${dirty}`);
  process.exit(2);
}
for (const e of entries.filter((x) => !x.sqlOnly)) {
  const n = occurrences(readFileSync(join(REPO, e.file), 'utf8'), e.find);
  if (n !== 1) throw new Error(`${e.point}: find occurs ${n} times in ${e.file}, not once`);
  for (const s of e.specs) if (!existsSync(join(REPO, s))) throw new Error(`${e.point}: no spec ${s}`);
}

// The file being reverted and its original text, so SIGINT/SIGTERM can put it back before exiting.
let applied: { path: string; original: string } | undefined;
function restore(): void {
  if (applied) writeFileSync(applied.path, applied.original);
  applied = undefined;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => { restore(); process.exit(130); });
}

interface VitestJson { testResults: { name: string; status: string; assertionResults: { status: string; fullName: string }[]; message?: string }[] }

function runSpecs(specs: string[]): { passed: boolean; failed: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'reverts-'));
  const out = join(dir, 'vitest.json');
  try {
    const run = spawnSync('npx', ['vitest', 'run', '--config', 'test/mutation/vitest.mutation.config.ts', '--reporter=json', `--outputFile=${out}`], {
      cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MUTATION_SPECS: specs.join(',') },
    });
    if (!existsSync(out)) return { passed: false, failed: [`vitest wrote no report (exit ${run.status})`] };
    const report = JSON.parse(readFileSync(out, 'utf8')) as VitestJson;
    const failed = report.testResults.flatMap((f) => {
      const tests = f.assertionResults.filter((t) => t.status === 'failed').map((t) => `${f.name.replace(REPO, '')}: ${t.fullName}`);
      // A file that fails to load or in a hook (beforeAll asserting the fix) has no failed test.
      if (tests.length > 0 || f.status !== 'failed') return tests;
      return [`${f.name.replace(REPO, '')}: failed outside its tests (a hook or the file)${f.message ? `: ${f.message.split('\n')[0]}` : ''}`];
    });
    return { passed: run.status === 0 && failed.length === 0, failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function revert(e: HardeningRevert): RevertResult {
  const base = { point: e.point, fix: e.fix, file: e.file, specs: e.specs, failed: [] as string[] };
  if (e.sqlOnly) return { ...base, status: 'sqlOnly', note: e.note };
  const path = join(REPO, e.file);
  const original = readFileSync(path, 'utf8');
  applied = { path, original };
  try {
    writeFileSync(path, original.replace(e.find, () => e.replace));
    const { passed, failed } = runSpecs(e.specs);
    return { ...base, status: passed ? 'survived' : 'killed', failed, note: e.note };
  } finally {
    restore();
    if (readFileSync(path, 'utf8') !== original) throw new Error(`${e.file} is not back to its original text: restore it by hand`);
  }
}

mkdirSync(REPORTS, { recursive: true });
const reportFile = join(REPORTS, 'hardening-reverts.json');
// --only keeps the other points' last results, so the report stays whole.
const previous: RevertResult[] = only && existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')).results : [];
const results = new Map(previous.map((r) => [r.point, r]));
for (const e of entries) {
  console.log(`== ${e.point}: ${e.file} against ${e.specs.join(', ')}`);
  const r = revert(e);
  results.set(e.point, r);
  console.log(`   ${r.status}${r.failed.length ? `: ${r.failed.length} failed, e.g. ${r.failed[0]}` : ''}`);
}
const ordered = HARDENING_REVERTS.map((e) => results.get(e.point)).filter((r): r is RevertResult => r !== undefined);
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
writeFileSync(reportFile, JSON.stringify({ commit, ranAt: new Date().toISOString(), results: ordered }, null, 2));

console.table(ordered.map((r) => ({ point: r.point, status: r.status, file: r.file, failed: r.failed.length })));
const survived = ordered.filter((r) => r.status === 'survived' || r.status === 'error');
if (survived.length > 0) {
  console.error(`survived: ${survived.map((r) => r.point).join(', ')}`);
  process.exitCode = 1;
}
