/**
 * THE event vocabulary of the backup plugin: every event type and the zod schema of its data.
 * Adding an event = adding it here (and nowhere else). Validation runs on write and on read.
 *
 * Conventions: timestamps are ISO-8601 strings, ids are strings, sizes/counts are non-negative
 * integers (JavaScript numbers: exact up to 2^53 bytes). Objects are strict: an unknown field is an
 * error, so a typo never silently drops data. No event may carry a secret (master key, database
 * password, admin token).
 */
import { z } from 'zod';
import { BackupPluginError } from '../core/errors';
import { sourceStateSchema } from '../dump/source-state';
import { MAX_MESSAGE_LENGTH } from '../core/message-limit';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters (a SHA-256 key)');
const backupId = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters (a GUID without dashes)');
const count = z.number().int().nonnegative();
const bytes = z.number().int().nonnegative();
const durationMs = z.number().nonnegative().finite();
const id = z.string().min(1).max(100);
const errorClass = z.string().min(1).max(200);
const message = z.string().max(MAX_MESSAGE_LENGTH);

/**
 * A uuid as PostgreSQL's `uuid` type reads it: any 128-bit value (no RFC 9562 version or variant
 * required: imported and older Cotton rows hold others), hyphens optional after any group of four
 * digits, either case, optionally in braces. Cotton's ids come from that type, so nothing it
 * stores may break an event.
 */
const UUID_DIGITS = '[0-9a-fA-F]{4}(?:-?[0-9a-fA-F]{4}){7}';
export const pgUuid = z.string().regex(new RegExp(`^(?:${UUID_DIGITS}|\\{${UUID_DIGITS}\\})$`), 'must be a uuid');

export const REQUEST_SOURCES = ['schedule', 'notify', 'sql', 'api', 'cli', 'startup'] as const;
export const BACKUP_FAILURE_STEPS = ['request', 'lock', 'dump', 'chunk', 'manifest', 'pointer', 'stale'] as const;
export const RESTORE_TRIGGERS = ['startup', 'cli'] as const;
export const RESTORE_REJECTION_REASONS = [
  'no_pointer',
  'missing_manifest',
  'invalid_manifest',
  'missing_chunk',
  'hash_mismatch',
  'size_mismatch',
  'decryption_failure',
  'legacy_format',
  'invalid_pointer',
  'pointer_behind',
] as const;
// copy_failed goes to the webhook only (notifications/copy-failed.ts): the bell hears of copies once overdue.
export const NOTIFICATION_KINDS = ['restore_completed', 'restore_refused', 'backup_failed', 'verification_failed', 'drill_failed', 'copy_overdue', 'copy_failed'] as const;
export const DRILL_TRIGGERS = ['cli', 'schedule'] as const;
/** What a restore drill found different from the source at dump time (plugins/backup/drills/compare-state.ts). */
export const DRILL_PROBLEMS = ['row_count', 'missing_table', 'extra_table', 'missing_extension', 'ef_migrations', 'no_counts', 'restore_failed', 'missing_file_chunk'] as const;
export const VERIFICATION_PROBLEMS = ['missing', 'truncated', 'hash_mismatch', 'size_mismatch', 'unreadable', 'pointer_behind', 'missing_file_chunk'] as const;
/** Why retention keeps a backup: restic's rules, then ours (plugins/backup/retention/plan-retention.ts). */
export const KEEP_RULES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly', 'within', 'latest', 'in-use', 'no-policy'] as const;

const requestSource = z.enum(REQUEST_SOURCES);

/** Every event type with the schema of its data. */
export const eventSchemas = {
  BackupRequested: z.strictObject({
    requestId: pgUuid,
    source: requestSource,
    reason: z.string().max(500),
    requestedBy: z.string().max(200),
    /** NOTIFY only: the backend that sent it, from pg_stat_activity (role null: it was gone). */
    sender: z.strictObject({ pid: z.number().int().nonnegative(), role: z.string().max(200).nullable() }).optional(),
    /** NOTIFY only: the payload's own `requestedBy`, kept as claimed and never trusted. */
    claimedRequestedBy: z.string().max(200).optional(),
  }),
  BackupStarted: z.strictObject({
    backupId,
    requestIds: z.array(id),
    database: z.string().min(1).max(200),
    host: z.string().min(1).max(500),
    port: z.string().regex(/^\d{1,5}$/, 'must be a port number as a string'),
    chunking: z.strictObject({
      minBytes: z.number().int().positive(),
      avgBytes: z.number().int().positive(),
      maxBytes: z.number().int().positive(),
    }),
  }),
  Dumped: z.strictObject({
    pgDumpVersion: z.string().min(1).max(200),
    serverVersion: z.string().min(1).max(200),
    bytes,
    sha256: hex64,
    durationMs,
  }),
  /** Every dumped table's exact row count, the extensions and EF migrations, read in pg_dump's own snapshot. */
  RowsCounted: z.strictObject({
    backupId,
    ...sourceStateSchema.shape,
    durationMs,
    /** Connections that counted in the snapshot (a second one joins only for large data). */
    counters: z.number().int().min(1).max(16),
  }),
  /**
   * The chunk hashes the backup's database referenced (files, previews, avatars), read in
   * pg_dump's own snapshot and kept in cotton_backup.referenced_chunk_recordings: retention pins
   * them while the backup is kept. Absent for a database without Cotton's chunks table.
   */
  FileChunksRecorded: z.strictObject({
    backupId,
    chunkCount: count,
    /** The reference columns read, as `table.column`. */
    columns: z.array(z.string().min(1).max(200)).max(20),
    durationMs,
  }),
  Chunked: z.strictObject({
    chunkCount: count,
    newChunks: count,
    reusedChunks: count,
    newPlaintextBytes: bytes,
    reusedPlaintextBytes: bytes,
    /** Stored bytes (compressed + encrypted) of the new objects. */
    bytesWritten: bytes,
  }),
  ManifestCommitted: z.strictObject({
    backupId,
    manifestKey: hex64,
    previousManifestKey: hex64.nullable(),
    rerecorded: z.boolean().optional(),
  }),
  PointerAdvanced: z.strictObject({
    backupId,
    previousManifestKey: hex64.nullable(),
    manifestKey: hex64,
    rerecorded: z.boolean().optional(),
  }),
  BackupFailed: z.strictObject({
    backupId,
    step: z.enum(BACKUP_FAILURE_STEPS),
    errorClass,
    message,
  }),
  RestoreStarted: z.strictObject({
    restoreId: id,
    pointerKey: hex64,
    manifestKey: hex64,
    backupId,
    targetDatabase: z.string().min(1).max(200),
    trigger: z.enum(RESTORE_TRIGGERS),
    /** Where the backup was read: absent for the primary storage, else the copy target's name (issue 13). */
    source: z.string().min(1).max(300).optional(),
  }),
  Verified: z.strictObject({
    backupId,
    manifestKey: hex64,
    bytes,
    sha256: hex64,
    chunkCount: count,
    durationMs,
  }),
  Restored: z.strictObject({
    backupId,
    durationMs,
  }),
  ExtensionsEnsured: z.strictObject({
    extensions: z.array(z.string().min(1).max(100)),
  }),
  AdminsNotified: z.strictObject({
    kind: z.enum(NOTIFICATION_KINDS),
    notificationIds: z.array(id),
    /** Who got which row of Cotton's notifications table. */
    recipients: z.array(z.strictObject({ notificationId: pgUuid, userId: pgUuid })),
    adminCount: count,
    /** Cotton's notification priority: 0 None, 1 Low, 2 Medium, 3 High. */
    priority: z.number().int().min(0).max(3),
    title: z.string().min(1).max(500),
  }),
  RestoreRejected: z.strictObject({
    reason: z.enum(RESTORE_REJECTION_REASONS),
    detail: message,
    manifestKey: hex64.optional(),
    chunkKey: hex64.optional(),
  }),
  RestoreFailed: z.strictObject({
    step: z.string().min(1).max(100),
    errorClass,
    message,
  }),
  /** A verified backup was in hand, so the half-written database of an interrupted restore (its marker verified) was dropped. */
  InterruptedRestoreWiped: z.strictObject({
    interruptedRestoreId: id,
    backupId,
    manifestKey: hex64,
  }),
  RequestRejected: z.strictObject({
    source: requestSource,
    reason: z.string().min(1).max(500),
    /** The start of the rejected request, truncated to 200 characters by the writer. */
    sample: z.string().max(200),
    sizeBytes: bytes,
  }),
  /** An event that failed validation, recorded instead of it so that the trail never silently lacks it. */
  EventRejected: z.strictObject({
    rejectedType: z.string().min(1).max(100),
    /** The validation error, naming each failing field. */
    problem: message,
    /** What happened that the rejected event should have recorded. */
    summary: message,
  }),
  /**
   * A stored event that failed validation when read (written past the TypeScript appenders, e.g.
   * by a role holding INSERT on the table). Readers skip it; this records it once per event.
   */
  StoredEventRejected: z.strictObject({
    globalPosition: z.string().regex(/^\d{1,19}$/, 'must be a global position (digits)'),
    streamId: z.string().min(1).max(200),
    streamVersion: z.string().regex(/^\d{1,19}$/, 'must be a stream version (digits)'),
    rejectedType: z.string().min(1).max(100),
    /** The validation error, naming each failing field. */
    reason: message,
  }),
  VerificationFailed: z.strictObject({
    backupId,
    manifestKey: hex64,
    problems: z
      .array(
        z.strictObject({
          key: z.string().min(1).max(200),
          problem: z.enum(VERIFICATION_PROBLEMS),
          detail: message,
        }),
      )
      .min(1),
  }),
  /** Retention keeps the backup, for these rules; recorded when its rules change. */
  BackupKept: z.strictObject({
    backupId,
    manifestKey: hex64,
    rules: z.array(z.enum(KEEP_RULES)).min(1),
    /** The policy in words, e.g. `last 7, daily 14, weekly 8, monthly 12`. */
    policy: z.string().min(1).max(500),
  }),
  /** No rule keeps the backup any more: from now on nothing holds Cotton's GC off its objects. */
  BackupExpired: z.strictObject({
    backupId,
    manifestKey: hex64,
    policy: z.string().min(1).max(500),
  }),
  /**
   * Retention could not read a kept backup's manifest (deleted, damaged, another key): its chunks
   * cannot be pinned, and nothing is released while it lasts. Recorded when it starts, not every run.
   */
  ManifestUnreadable: z.strictObject({
    backupId,
    manifestKey: hex64,
    problem: message,
  }),
  /** A kept backup's manifest that was unreadable reads again (put back, storage repaired). */
  ManifestReadable: z.strictObject({
    backupId,
    manifestKey: hex64,
  }),
  /** The objects of an expired backup that no kept backup uses were handed back to Cotton's GC. */
  ObjectsReleased: z.strictObject({
    backupId,
    /** Rows of Cotton's chunks table whose gc_scheduled_after was set back to NULL. */
    releasedObjects: count,
    /** Objects of the backup a kept backup still uses (they stay pinned). */
    sharedObjects: count,
    /** False when the database has no Cotton chunks table: nothing was pinned, so nothing to release. */
    chunksTable: z.boolean(),
  }),
  /**
   * A backup in storage the catalogue had no record of: Cotton's own job's (the pointer named it),
   * or one of ours whose events a restore to an older state took away (the backup index lists it).
   */
  BackupDiscovered: z.strictObject({
    backupId,
    manifestKey: hex64,
    createdAtUtc: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 timestamp'),
    sourceDatabase: z.string().max(200),
    dumpSizeBytes: bytes,
    chunkCount: count,
    /** The manifest's `producer`: `cotton-backup` for ours, null for Cotton's own job. */
    producer: z.string().max(100).nullable(),
  }),
  /** A copy of one backup to one copy target began (issue 13); `target` is its name from COTTON_BACKUP_COPIES. */
  CopyStarted: z.strictObject({
    target: z.string().min(1).max(300),
    backupId,
    manifestKey: hex64,
    attempt: z.number().int().min(1),
  }),
  /** Everything the backup names is in the target; `pointerAdvanced` false for a catch-up of an older backup. */
  CopyCompleted: z.strictObject({
    target: z.string().min(1).max(300),
    backupId,
    manifestKey: hex64,
    objectsSent: count,
    bytesSent: bytes,
    objectsSkipped: count,
    bytesSkipped: bytes,
    pointerAdvanced: z.boolean(),
    durationMs,
    /** Objects rewritten because the target's last verification found them damaged. */
    repairedKeys: z.array(hex64).max(10_000).optional(),
  }),
  /** Every attempt failed; the next copy run catches up. */
  CopyFailed: z.strictObject({
    target: z.string().min(1).max(300),
    backupId,
    manifestKey: hex64,
    attempts: z.number().int().min(1),
    errorClass,
    message,
  }),
  /** A backup restored from a copy target put back in the primary storage: the objects it lacked, and its pointer only if that moved forward. */
  PrimaryReseeded: z.strictObject({
    source: z.string().min(1).max(300),
    backupId,
    manifestKey: hex64,
    objectsSent: count,
    bytesSent: bytes,
    pointerAdvanced: z.boolean(),
  }),
  /** Why a restore from a copy target left the primary storage as it was. */
  PrimaryReseedSkipped: z.strictObject({
    source: z.string().min(1).max(300),
    backupId,
    reason: z.enum(['not_cottons_database', 'primary_has_newer']),
    detail: message,
  }),
  /**
   * A target holding objects but no copy marker was marked a copy: by the operator (`copies --adopt`),
   * or by the database's record (a backup recorded as copied there reads under this key, and the
   * primary's own marker is not in it: a target copied to before markers existed).
   */
  CopyTargetAdopted: z.strictObject({
    target: z.string().min(1).max(300),
    by: z.enum(['operator', 'record']),
    markerId: z.string().min(1).max(100),
    /** With by = record: the recorded backup found there. */
    backupId: backupId.optional(),
  }),
  /** A prune of a copy target (mark-and-sweep from every kept manifest): what retention expired there, and what was deleted. */
  TargetPruned: z.strictObject({
    target: z.string().min(1).max(300),
    policy: z.string().min(1).max(500),
    keptBackups: count,
    expiredBackupIds: z.array(backupId).max(10_000),
    deletedObjects: count,
    bytesFreed: bytes,
    /** The deleted keys (the first 1000). */
    deletedKeys: z.array(hex64).max(1000),
    /** Unmarked objects younger than the grace period, left for a later prune. */
    waitingObjects: count,
  }),

  /** A restore drill began: the backup goes into a scratch database on the same server. */
  DrillStarted: z.strictObject({
    drillId: pgUuid,
    backupId,
    manifestKey: hex64,
    scratchDatabase: z.string().min(1).max(63),
    trigger: z.enum(DRILL_TRIGGERS),
  }),
  /** The restored scratch database matched the source at dump time: every table's rows, extensions, EF migrations. */
  DrillPassed: z.strictObject({
    drillId: pgUuid,
    backupId,
    manifestKey: hex64,
    tables: count,
    rows: count,
    restoreMs: durationMs,
    durationMs,
  }),
  /** The drill found differences (or could not restore); `problems` names every table that differs. */
  DrillFailed: z.strictObject({
    drillId: pgUuid,
    backupId,
    manifestKey: hex64,
    problems: z
      .array(
        z.strictObject({
          problem: z.enum(DRILL_PROBLEMS),
          /** `schema.table`, an extension or `__EFMigrationsHistory`. */
          subject: z.string().max(400),
          expected: z.string().max(200).nullable(),
          actual: z.string().max(200).nullable(),
        }),
      )
      .min(1)
      .max(1000),
    durationMs,
  }),
  /** A scratch database a crashed drill left behind (our exact name pattern and our marker) was dropped. */
  DrillLeftoverDropped: z.strictObject({
    scratchDatabase: z.string().min(1).max(63),
    drillId: pgUuid,
  }),
} as const;

export type EventType = keyof typeof eventSchemas;

/** Every event type name, in vocabulary order. */
export const EVENT_TYPES = Object.keys(eventSchemas) as readonly EventType[];

export type EventData<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;

/** A backup-plugin event: the discriminated union of `{ type, data }` over the vocabulary. */
export type BackupEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

/** One member of the union, e.g. `EventOf<'Dumped'>`. */
export type EventOf<T extends EventType> = Extract<BackupEvent, { type: T }>;

/** The whole vocabulary as one zod discriminated union over `type`. */
export const backupEventSchema = z.discriminatedUnion(
  'type',
  EVENT_TYPES.map((type) => z.strictObject({ type: z.literal(type), data: eventSchemas[type] })) as unknown as [
    z.ZodObject<{ type: z.ZodLiteral<EventType>; data: z.ZodType }>,
    ...z.ZodObject<{ type: z.ZodLiteral<EventType>; data: z.ZodType }>[],
  ],
);

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventSchemas, type);
}

export interface EventIssue {
  /** Dotted path inside the event data, e.g. `chunking.maxBytes` or `problems.0.key`; empty for the data itself. */
  path: string;
  message: string;
}

/** Event data that does not match the vocabulary (or an unknown event type). */
export class InvalidEventError extends BackupPluginError {
  readonly type: string;
  readonly issues: readonly EventIssue[];

  constructor(type: string, issues: readonly EventIssue[], context?: string) {
    const where = context ? ` (${context})` : '';
    const list = issues.map((i) => (i.path ? `data.${i.path}: ${i.message}` : `data: ${i.message}`)).join('; ');
    super('INVALID_EVENT', `invalid ${type} event${where}: ${list}`);
    this.name = 'InvalidEventError';
    this.type = type;
    this.issues = issues;
  }
}

/**
 * Validates event data against the vocabulary and returns the typed event.
 * @param context optional words naming where the event came from, for the error message
 * @throws InvalidEventError naming the type and each failing field path
 */
export function parseEvent(type: string, data: unknown, context?: string): BackupEvent {
  if (!isEventType(type)) {
    throw new InvalidEventError(type, [{ path: '', message: `unknown event type; known types: ${EVENT_TYPES.join(', ')}` }], context);
  }
  const result = eventSchemas[type].safeParse(data);
  if (!result.success) {
    throw new InvalidEventError(
      type,
      result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
      context,
    );
  }
  return { type, data: result.data } as BackupEvent;
}
