import { z } from 'zod';
import { pgUuid } from '../events/vocabulary';

/** NOTIFY limits its payload to 8000 bytes; ours are far smaller. */
export const MAX_PAYLOAD_BYTES = 2048;

/**
 * Text PostgreSQL can store: its text and jsonb types refuse NUL, and UTF-8 has no encoding for a
 * lone surrogate. Checked here so that such input is a 400 naming the field, not a database error.
 */
export const storableText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain a NUL character (\\u0000)')
    .refine((s) => s.isWellFormed(), 'must not contain a lone UTF-16 surrogate');

/** What a client may say about a checkpoint it asks for (NOTIFY payload or HTTP body). */
export const checkpointRequestSchema = z.strictObject({
  reason: storableText(500).optional(),
  requestedBy: storableText(200).optional(),
});
export type CheckpointRequest = z.infer<typeof checkpointRequestSchema>;

/** What request_checkpoint() sends after recording the request itself: only a wake-up. */
const wakeSchema = z.strictObject({ requestId: pgUuid });

export type NotifyPayload = { kind: 'request'; request: CheckpointRequest } | { kind: 'wake'; requestId: string };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses a `cotton_backup` NOTIFY payload: empty, a checkpoint request, or a wake-up. Never throws. */
export function parseNotifyPayload(payload: string): ParseResult<NotifyPayload> {
  const size = Buffer.byteLength(payload, 'utf8');
  if (size > MAX_PAYLOAD_BYTES) return { ok: false, reason: `oversized: ${size} bytes, at most ${MAX_PAYLOAD_BYTES}` };
  if (payload.trim() === '') return { ok: true, value: { kind: 'request', request: {} } };
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof json === 'object' && json !== null && 'requestId' in json) {
    const wake = wakeSchema.safeParse(json);
    return wake.success ? { ok: true, value: { kind: 'wake', requestId: wake.data.requestId } } : { ok: false, reason: describeIssues(wake.error) };
  }
  const request = parseCheckpointRequest(json);
  return request.ok ? { ok: true, value: { kind: 'request', request: request.value } } : request;
}

export function parseCheckpointRequest(json: unknown): ParseResult<CheckpointRequest> {
  const parsed = checkpointRequestSchema.safeParse(json ?? {});
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: describeIssues(parsed.error) };
}

/** `field: problem; ...`, naming each field (an unknown key by its name), never echoing values. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.map((k) => k.slice(0, 50)).join(', ')}`;
      const path = issue.path.map(String).join('.') || 'payload';
      if (issue.code === 'too_big') return `${path}: at most ${String(issue.maximum)}${unitOf(issue.origin)}`;
      if (issue.code === 'too_small') return `${path}: at least ${String(issue.minimum)}${unitOf(issue.origin)}`;
      if (issue.code === 'invalid_type') return `${path}: expected ${issue.expected}`;
      return `${path}: ${issue.message}`;
    })
    .join('; ')
    .slice(0, 500);
}

// zod says what was measured: a string's length, an array's items, or a number itself.
function unitOf(origin: string): string {
  return origin === 'string' ? ' characters' : origin === 'array' || origin === 'set' ? ' items' : '';
}
