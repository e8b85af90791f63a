import { CronExpressionParser } from 'cron-parser';

/**
 * Why pg-boss's schedule() would refuse a cron expression, or undefined when it accepts it. pg-boss
 * refuses a blank expression, then parses with cron-parser in UTC, not strict (timekeeper.js); the
 * same parse here lets the configuration refuse at start what would otherwise fail after the
 * migrations and pg-boss had started.
 */
export function cronProblem(expression: string): string | undefined {
  if (expression.trim() === '') return 'the expression is blank';
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC', strict: false });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
