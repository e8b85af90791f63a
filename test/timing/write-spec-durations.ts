/**
 * `npm run test:durations [report.json]`: rewrites spec-durations.json from a vitest JSON report
 * (default .ci/vitest-report.json, which `.ci/run` writes), so a clean clone runs the slowest spec files first.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

interface Report { testResults: { name: string; startTime: number; endTime: number }[] }

const root = new URL('../../', import.meta.url).pathname;
const reportPath = process.argv[2] ?? new URL('../../.ci/vitest-report.json', import.meta.url).pathname;
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
const durations = Object.fromEntries(
  report.testResults
    .map((t) => [relative(root, t.name), Math.round((t.endTime - t.startTime) / 100) / 10] as const)
    .sort((a, b) => b[1] - a[1]),
);
writeFileSync(new URL('./spec-durations.json', import.meta.url), `${JSON.stringify(durations, null, 1)}\n`);
console.log(`${Object.keys(durations).length} spec files timed, the slowest ${Object.keys(durations)[0]} (${Object.values(durations)[0]} s)`);
