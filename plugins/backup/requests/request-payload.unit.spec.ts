import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues, MAX_PAYLOAD_BYTES, parseCheckpointRequest, parseNotifyPayload } from './request-payload';

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

// Mutation testing (MUTATION.md) showed every branch below unchecked by a unit spec (the NOTIFY
// listener's integration spec reached some): a database login writes these payloads.
describe('parseNotifyPayload: every kind of payload a database login can send', () => {
  it('an empty or blank payload is a request with nothing said', () => {
    for (const p of ['', '   ', '\n\t']) expect(parseNotifyPayload(p)).toEqual({ ok: true, value: { kind: 'request', request: {} } });
  });

  it('a request with a reason and who asks', () => {
    expect(parseNotifyPayload('{"reason": "before the upgrade", "requestedBy": "ops"}')).toEqual({
      ok: true,
      value: { kind: 'request', request: { reason: 'before the upgrade', requestedBy: 'ops' } },
    });
    expect(parseNotifyPayload('null')).toEqual({ ok: true, value: { kind: 'request', request: {} } });
  });

  it('the size limit counts UTF-8 bytes: at the limit accepted, one byte over refused, saying both numbers', () => {
    const at = `{"reason": "${'x'.repeat(MAX_PAYLOAD_BYTES - 14)}"}`;
    expect(Buffer.byteLength(at)).toBe(MAX_PAYLOAD_BYTES);
    // Accepted as to size (the reason itself is too long for its field): the refusal names the field, not the size.
    expect(parseNotifyPayload(at)).toEqual({ ok: false, reason: 'reason: at most 500 characters' });
    const over = `${' '.repeat(MAX_PAYLOAD_BYTES - 1)}é`;
    expect(parseNotifyPayload(over)).toEqual({ ok: false, reason: `oversized: ${MAX_PAYLOAD_BYTES + 1} bytes, at most ${MAX_PAYLOAD_BYTES}` });
  });

  it('not JSON, an array, a number or a string are refused, saying what was wrong', () => {
    expect(parseNotifyPayload('{oops')).toEqual({ ok: false, reason: 'not JSON' });
    expect(parseNotifyPayload('[1]')).toEqual({ ok: false, reason: 'payload: expected object' });
    expect(parseNotifyPayload('42')).toEqual({ ok: false, reason: 'payload: expected object' });
    expect(parseNotifyPayload('"requestId"')).toEqual({ ok: false, reason: 'payload: expected object' });
  });

  it('a wake-up is only a requestId: a bad id, or anything beside it, is refused naming it', () => {
    expect(parseNotifyPayload('{"requestId": "not-a-uuid"}')).toMatchObject({ ok: false, reason: expect.stringMatching(/^requestId: /) });
    expect(parseNotifyPayload('{"requestId": "e4774cdd-a079-3f86-414e-8b9140bb6db4", "reason": "x"}')).toEqual({ ok: false, reason: 'unknown field(s): reason' });
  });

  it('unknown fields are named (each cut to 50 characters), wrong types say what was expected', () => {
    expect(parseNotifyPayload(`{"${'k'.repeat(60)}": 1, "other": 2}`)).toEqual({ ok: false, reason: `unknown field(s): ${'k'.repeat(50)}, other` });
    expect(parseNotifyPayload('{"reason": 5}')).toEqual({ ok: false, reason: 'reason: expected string' });
  });
});

describe('parseCheckpointRequest (an HTTP body)', () => {
  it('no body is a request with nothing said; a body is checked as a NOTIFY payload is', () => {
    expect(parseCheckpointRequest(undefined)).toEqual({ ok: true, value: {} });
    expect(parseCheckpointRequest({ reason: 'r' })).toEqual({ ok: true, value: { reason: 'r' } });
    expect(parseCheckpointRequest({ requestedBy: 'x'.repeat(201) })).toEqual({ ok: false, reason: 'requestedBy: at most 200 characters' });
  });
});

describe('describeIssues: every problem named, joined, and never longer than 500 characters', () => {
  it('joins several problems with "; ", says items for arrays and sets, and falls back to zod\'s message', () => {
    const schema = z.strictObject({ a: z.array(z.number()).max(1).optional(), b: z.array(z.number()).min(2).optional(), s: z.set(z.number()).max(1).optional(), e: z.enum(['x']).optional() });
    expect(describeIssues(schema.safeParse({ a: [1, 2], b: [1] }).error!)).toBe('a: at most 1 items; b: at least 2 items');
    expect(describeIssues(schema.safeParse({ s: new Set([1, 2]) }).error!)).toBe('s: at most 1 items');
    expect(describeIssues(schema.safeParse({ e: 'y' }).error!)).toMatch(/^e: \S/);
    expect(describeIssues(z.string().safeParse(1).error!)).toBe('payload: expected string');
    const many = z.strictObject(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, z.string()])));
    expect(describeIssues(many.safeParse({}).error!)).toHaveLength(500);
  });

  it('a nested path is joined with dots', () => {
    const schema = z.strictObject({ outer: z.strictObject({ inner: z.string() }) });
    expect(describeIssues(schema.safeParse({ outer: { inner: 1 } }).error!)).toBe('outer.inner: expected string');
  });
});
