import { fail, warn, worstStatus, type Check, type CheckEnvironment, type CheckLine, type CheckNeed, type CheckStatus } from './check-line';
import { configurationCheck } from './configuration-check';
import { databaseCheck } from './database-check';
import { storageCheck } from './storage-check';
import { copyTargetsCheck } from './copy-targets-check';
import { schedulesCheck } from './schedules-check';
import { freshnessCheck } from './freshness-check';
import { gcPinsCheck } from './gc-pins-check';

/** The checks, in the order they print: each one's needs come before it. */
export const CHECKS: readonly Check[] = [configurationCheck, databaseCheck, storageCheck, copyTargetsCheck, schedulesCheck, freshnessCheck, gcPinsCheck];

export interface CheckReport {
  status: CheckStatus;
  lines: CheckLine[];
}

/**
 * Runs every check in order. A check whose need is not ok (its own line) is "not checked" (warn: the failed need
 * already sets the exit code), and a check that throws is a failed line with the error: one
 * broken part never hides the rest of the report.
 */
export async function runChecks(env: CheckEnvironment, checks: readonly Check[] = CHECKS): Promise<CheckReport> {
  const failed = new Set<CheckNeed>();
  const lines: CheckLine[] = [];
  for (const check of checks) {
    const missing = check.needs.filter((n) => failed.has(n));
    let found: CheckLine[];
    if (missing.length > 0) found = [warn(check.name, `not checked: the ${missing.join(' and ')} ${missing.length > 1 ? 'lines are' : 'line is'} not ok`, `fix the ${missing.join(' and ')} first`)];
    else found = await check.run(env).catch((error: Error) => [fail(check.name, `could not be checked: ${error.message}`, 'see the error; run the check again once it is fixed')]);
    if (isNeed(check.name) && found.some((l) => l.check === check.name && l.status !== 'ok')) failed.add(check.name);
    lines.push(...found);
  }
  return { status: worstStatus(lines), lines };
}

function isNeed(name: string): name is CheckNeed {
  return name === 'configuration' || name === 'database' || name === 'storage';
}
