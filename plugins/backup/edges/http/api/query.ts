import type { z } from 'zod';
import { HttpError } from '../../../../../src/http/errors';
import { describeIssues } from '../../../requests/request-payload';

/** Parses a query string with a strict zod schema; 400 naming each bad parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const parsed = schema.safeParse(query ?? {});
  if (!parsed.success) throw new HttpError(400, 'invalid_request', `Invalid query: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}
