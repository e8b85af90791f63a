import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues, parseNotifyPayload } from './request-payload';

describe('parseNotifyPayload', () => {
  it('refuses what PostgreSQL cannot store, naming the field: NUL and lone surrogates', () => {
    expect(parseNotifyPayload('{"reason": "a\\u0000b"}')).toEqual({ ok: false, reason: 'reason: must not contain a NUL character (\\u0000)' });
    expect(parseNotifyPayload('{"requestedBy": "x\\udc00"}')).toEqual({ ok: false, reason: 'requestedBy: must not contain a lone UTF-16 surrogate' });
    expect(parseNotifyPayload('{"reason": "a pair \\ud83d\\ude00 is fine"}')).toMatchObject({ ok: true });
  });

  it('accepts a wake-up naming any uuid PostgreSQL accepts, not only RFC 9562 ones', () => {
    expect(parseNotifyPayload('{"requestId": "e4774cdd-a079-3f86-414e-8b9140bb6db4"}')).toEqual({
      ok: true,
      value: { kind: 'wake', requestId: 'e4774cdd-a079-3f86-414e-8b9140bb6db4' },
    });
  });
});

describe('describeIssues', () => {
  it('says characters for strings and nothing for numbers', () => {
    const schema = z.strictObject({ s: z.string().max(3).optional(), n: z.number().min(1).max(1000).optional() });
    expect(describeIssues(schema.safeParse({ s: 'abcd' }).error!)).toBe('s: at most 3 characters');
    expect(describeIssues(schema.safeParse({ n: 1001 }).error!)).toBe('n: at most 1000');
    expect(describeIssues(schema.safeParse({ n: 0 }).error!)).toBe('n: at least 1');
  });
});
