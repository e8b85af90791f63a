import { describe, expect, it } from 'vitest';
import { CHECK_EXIT_CODES, fail, ok, warn, worstStatus } from './check-line';
import { formatChecks } from './format-checks';
import { runChecks } from './run-checks';
import type { Check, CheckEnvironment } from './check-line';

const env = {} as CheckEnvironment;

describe('the check report', () => {
  it('takes the worst line for its status and exit code', () => {
    expect(worstStatus([ok('a', 'x')])).toBe('ok');
    expect(worstStatus([ok('a', 'x'), warn('b', 'y', 'z')])).toBe('warn');
    expect(worstStatus([warn('b', 'y', 'z'), fail('c', 'y', 'z'), ok('a', 'x')])).toBe('fail');
    expect(new Set(Object.values(CHECK_EXIT_CODES)).size).toBe(3);
    expect(CHECK_EXIT_CODES.ok).toBe(0);
  });

  it('prints one line per finding with its fix under it, then the tally', () => {
    const text = formatChecks({ status: 'fail', lines: [ok('storage', 'writable'), fail('database', 'unreachable', 'start PostgreSQL')] });
    expect(text).toBe('ok    storage   writable\nFAIL  database  unreachable\n                fix: start PostgreSQL\n\n1 fail, 0 warn\n');
  });

  it('marks a check whose need is not ok "not checked", and a check that throws a failed line', async () => {
    const checks: Check[] = [
      { name: 'database', needs: [], run: async () => [fail('database', 'down', 'start it')] },
      { name: 'schedules', needs: ['database'], run: async () => [ok('schedules', 'never asked')] },
      { name: 'other', needs: [], run: async () => { throw new Error('boom'); } },
    ];
    const report = await runChecks(env, checks);
    expect(report.lines.map((l) => [l.check, l.status, l.detail])).toEqual([
      ['database', 'fail', 'down'],
      ['schedules', 'warn', 'not checked: the database line is not ok'],
      ['other', 'fail', 'could not be checked: boom'],
    ]);
    expect(report.status).toBe('fail');
  });
});
