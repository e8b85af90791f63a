import { z } from 'zod';
import { sha256Hex } from '../../../src/keys/keys';
import { BackupPluginError } from '../core/errors';
import { sourceStateSchema } from '../dump/source-state';

/** The largest manifest read whole; a bigger object under a manifest's key is refused unread. */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 (64 characters)');
const backupId = z.string().regex(/^[0-9a-f]{32}$/, 'a GUID as 32 lowercase hex characters');
const isoUtc = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 timestamp');

export const manifestChunkSchema = z.object({
  order: z.number().int().min(0),
  storageKey: hex64,
  sizeBytes: z.number().int().min(0),
});

/**
 * Cotton's backup manifest (COTTON.md §4). The Cotton fields are required and checked for
 * consistency; ours are optional, so a manifest written by Cotton's own job parses too.
 * Unknown properties are kept out of the way (Cotton's reader ignores them as well).
 */
export const manifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    backupId,
    createdAtUtc: isoUtc,
    contains: z.literal('postgres_database_dump'),
    dumpFormat: z.literal('pg_dump_custom'),
    sourceDatabase: z.string(),
    sourceHost: z.string(),
    sourcePort: z.string(),
    hashAlgorithm: z.literal('SHA256'),
    chunkSizeBytes: z.number().int().positive(),
    dumpSizeBytes: z.number().int().min(0),
    dumpContentHash: hex64,
    chunkCount: z.number().int().min(0),
    elapsed: z.string(),
    chunks: z.array(manifestChunkSchema),
    // Ours: how the dump was cut and what came before.
    producer: z.string().optional(),
    producerVersion: z.string().optional(),
    chunking: z
      .object({ algorithm: z.string(), minBytes: z.number().int(), avgBytes: z.number().int(), maxBytes: z.number().int() })
      .optional(),
    previousManifestStorageKey: hex64.nullable().optional(),
    pgDumpVersion: z.string().optional(),
    serverVersion: z.string().optional(),
    /** Row counts, extensions and EF migrations in the dump's own snapshot (dump/row-counts.ts). */
    sourceState: sourceStateSchema.optional(),
    /**
     * The event log's seal chain head just before the dump (events/seal-events.ts): the seal at
     * `position` must be in the live log with this chain MAC, else the log was cut back
     * (events/verify-seals.ts). Absent in Cotton's manifests and in older ones of ours.
     */
    eventSeal: z.object({ position: z.string().regex(/^[1-9][0-9]{0,18}$/, 'a seal position'), chainMac: hex64 }).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.chunkCount !== m.chunks.length) {
      ctx.addIssue({ code: 'custom', path: ['chunkCount'], message: `chunkCount ${m.chunkCount} but ${m.chunks.length} chunks listed` });
    }
    const total = m.chunks.reduce((sum, c) => sum + c.sizeBytes, 0);
    if (total !== m.dumpSizeBytes) {
      ctx.addIssue({ code: 'custom', path: ['dumpSizeBytes'], message: `dumpSizeBytes ${m.dumpSizeBytes} but chunks add up to ${total}` });
    }
    const orders = m.chunks.map((c) => c.order).sort((a, b) => a - b);
    if (orders.some((o, i) => o !== i)) {
      ctx.addIssue({ code: 'custom', path: ['chunks'], message: 'chunk orders must be 0..n-1, each once' });
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestChunk = z.infer<typeof manifestChunkSchema>;

export class InvalidManifestError extends BackupPluginError {
  constructor(readonly detail: string) {
    super('INVALID_MANIFEST', `invalid backup manifest: ${detail}`);
    this.name = 'InvalidManifestError';
  }
}

/** Bytes as stored, and the storage key they are stored under (SHA-256 of exactly those bytes). */
export function serializeManifest(manifest: Manifest): { bytes: Buffer; storageKey: string } {
  const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  return { bytes, storageKey: sha256Hex(bytes) };
}

/** Parses and checks a stored manifest; `expectedKey` must be the SHA-256 of the bytes (content addressing). */
export function parseManifest(bytes: Buffer, expectedKey?: string): Manifest {
  if (expectedKey !== undefined && sha256Hex(bytes) !== expectedKey) {
    throw new InvalidManifestError(`its content does not hash to its storage key ${expectedKey}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InvalidManifestError('not valid JSON');
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidManifestError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  return { ...parsed.data, chunks: [...parsed.data.chunks].sort((a, b) => a.order - b.order) };
}

/** .NET TimeSpan text as Cotton writes it: [d.]hh:mm:ss.fffffff */
export function formatTimeSpan(milliseconds: number): string {
  const ticks = Math.max(0, Math.round(milliseconds * 10_000));
  const totalSeconds = Math.floor(ticks / 10_000_000);
  const fraction = String(ticks % 10_000_000).padStart(7, '0');
  const days = Math.floor(totalSeconds / 86_400);
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${pad(Math.floor(totalSeconds / 3600) % 24)}:${pad(Math.floor(totalSeconds / 60) % 60)}:${pad(totalSeconds % 60)}.${fraction}`;
  return days > 0 ? `${days}.${clock}` : clock;
}
