/**
 * `npm run faults`: every fault scenario, each run `--repeat` times (crash scenarios 3 by default),
 * PostgreSQL restarts first; the counts go into RELIABILITY.md. Options: `--only <text>` (scenario
 * ids containing it), `--no-restart` (skip PostgreSQL restarts), `--repeat <n>`, `--no-write`.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copiesScenarios } from './copies-scenarios';
import { copyAliasScenarios } from './copy-alias-scenarios';
import { copyTrustScenarios } from './copy-trust-scenarios';
import { corruptionScenarios } from './corruption-scenarios';
import { crashScenarios, s3CrashScenarios } from './crash-scenarios';
import { eventForgeryScenarios } from './event-forgery-scenarios';
import { eventTamperScenarios } from './event-tamper-scenarios';
import { REPO } from './harness';
import { hostileScenarios } from './hostile-scenarios';
import { connectionCutScenarios, restartScenarios } from './restart-scenarios';
import { restoreScenarios } from './restore-scenarios';
import type { Scenario } from './scenario';
import { securityScenarios } from './security-scenarios';
import { storageScenarios } from './storage-scenarios';
import { storageIdentityScenarios } from './storage-identity-scenarios';
import { renderReliability, type Outcome } from './report';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const only = option('--only');
const repeat = option('--repeat') ? Number(option('--repeat')) : undefined;

// PostgreSQL restarts first: the moment they cut every session is the moment the suite is started.
const all: Scenario[] = [
  ...restartScenarios,
  ...connectionCutScenarios,
  ...crashScenarios,
  ...s3CrashScenarios,
  ...restoreScenarios,
  ...corruptionScenarios,
  ...storageScenarios,
  ...storageIdentityScenarios,
  ...securityScenarios,
  ...eventForgeryScenarios,
  ...hostileScenarios,
  ...copiesScenarios,
  ...copyTrustScenarios,
  ...copyAliasScenarios,
  ...eventTamperScenarios,
].filter((s) => !only || s.id.includes(only));
const skipRestarts = args.includes('--no-restart');

// With --no-restart, the restart rows of the last full run are kept (marked as such).
const previousRows = new Map<string, string>();
for (const line of (await readFile(join(REPO, 'RELIABILITY.md'), 'utf8').catch(() => '')).split('\n')) {
  const cells = line.split(' | ');
  if (cells[0] === '| PostgreSQL restart' && cells[1]) previousRows.set(cells[1], line);
}
const outcomes: Outcome[] = [];
const started = Date.now();
for (const scenario of all) {
  const runs = repeat ?? (scenario.group === 'crash' || scenario.group === 'restore crash' ? 3 : 1);
  const outcome: Outcome = { scenario, runs: 0, survived: 0, failures: [], notes: [], ms: 0 };
  if (skipRestarts && scenario.restartsPostgres) {
    outcomes.push({ ...outcome, notes: ['not run this time (`--no-restart`)'], previousRow: previousRows.get(scenario.id) });
    continue;
  }
  for (let i = 0; i < runs; i++) {
    const t = Date.now();
    outcome.runs++;
    try {
      const c = await scenario.run();
      if (c.failures.length === 0) outcome.survived++;
      outcome.failures.push(...c.failures.filter((f) => !outcome.failures.includes(f)));
      outcome.notes.push(...c.notes.filter((n) => !outcome.notes.includes(n)));
    } catch (error) {
      outcome.failures.push(`the scenario itself broke: ${(error as Error).message.split('\n')[0]}`);
    }
    outcome.ms += Date.now() - t;
  }
  outcomes.push(outcome);
  const mark = outcome.survived === outcome.runs ? 'ok  ' : 'FAIL';
  process.stdout.write(`${mark} ${outcome.survived}/${outcome.runs}  ${scenario.id}  (${(outcome.ms / 1000).toFixed(1)} s)\n`);
  for (const f of outcome.failures) process.stdout.write(`       ${f.slice(0, 400)}\n`);
  for (const n of outcome.notes) process.stdout.write(`       (${n.slice(0, 400)})\n`);
}

if (!args.includes('--no-write') && !only) {
  const versions = {
    node: process.version,
    postgres: execFileSync('pg_dump', ['--version']).toString().trim(),
  };
  const path = join(REPO, 'RELIABILITY.md');
  await writeFile(path, renderReliability(outcomes, { ...versions, durationMs: Date.now() - started }));
  process.stdout.write(`wrote ${path}\n`);
}
const failed = outcomes.filter((o) => o.survived < o.runs && !o.scenario.knownIssue);
process.exit(failed.length > 0 ? 1 : 0);
