import { z } from 'zod';
import { cronProblem } from './cron';

/** Schema pieces the host and the plugins both use for their environment variables. */

export const booleanVariable = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const cronVariable = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `a cron expression such as "0 3 * * *" (${problem})` });
});

/** An IANA time-zone name the runtime knows (pg-boss and Intl would both refuse any other). */
export const timeZoneVariable = z.string().superRefine((value, ctx) => {
  if (!isTimeZone(value)) ctx.addIssue({ code: 'custom', message: 'an IANA time-zone name such as "Europe/Berlin" or "UTC"' });
});

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
