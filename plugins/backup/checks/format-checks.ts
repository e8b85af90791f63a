import type { CheckReport } from './run-checks';

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

/** The report as `cotton-backup check` prints it: one line per finding, the fix indented under it. */
export function formatChecks(report: CheckReport): string {
  const width = Math.max(...report.lines.map((l) => l.check.length));
  const out: string[] = [];
  for (const l of report.lines) {
    out.push(`${MARK[l.status]}  ${l.check.padEnd(width)}  ${l.detail}`);
    if (l.fix) out.push(`${' '.repeat(width + 8)}fix: ${l.fix}`);
  }
  out.push(`\n${report.status === 'ok' ? 'all ok' : `${report.lines.filter((l) => l.status === 'fail').length} fail, ${report.lines.filter((l) => l.status === 'warn').length} warn`}`);
  return `${out.join('\n')}\n`;
}
