import { describe, expect, it } from 'vitest';
import { exampleEvents } from '../../../test/support/event-store';
import { EVENT_TYPES, InvalidEventError, backupEventSchema, eventSchemas, parseEvent, type EventType } from './vocabulary';

const h64 = 'a'.repeat(64);
const bid = exampleEvents.Restored.backupId;
const validExamples = exampleEvents;
const ADMIN = '00000000-0000-4000-8000-000000000001';

const invalidExamples: { type: EventType; data: unknown; path: string }[] = [
  { type: 'BackupRequested', data: { ...validExamples.BackupRequested, requestId: 'not-a-uuid' }, path: 'requestId' },
  { type: 'BackupRequested', data: { ...validExamples.BackupRequested, source: 'email' }, path: 'source' },
  { type: 'BackupRequested', data: { ...validExamples.BackupRequested, reason: 'x'.repeat(501) }, path: 'reason' },
  { type: 'BackupStarted', data: { ...validExamples.BackupStarted, backupId: bid.toUpperCase() }, path: 'backupId' },
  { type: 'BackupStarted', data: { ...validExamples.BackupStarted, port: 5432 }, path: 'port' },
  { type: 'BackupStarted', data: { ...validExamples.BackupStarted, chunking: { minBytes: 1, avgBytes: 2 } }, path: 'chunking.maxBytes' },
  { type: 'Dumped', data: { ...validExamples.Dumped, sha256: 'abc' }, path: 'sha256' },
  { type: 'Dumped', data: { ...validExamples.Dumped, bytes: -1 }, path: 'bytes' },
  { type: 'Chunked', data: { ...validExamples.Chunked, newChunks: 1.5 }, path: 'newChunks' },
  { type: 'ManifestCommitted', data: { backupId: bid, manifestKey: h64 }, path: 'previousManifestKey' },
  { type: 'PointerAdvanced', data: { ...validExamples.PointerAdvanced, extra: 1 }, path: '' },
  { type: 'BackupFailed', data: { ...validExamples.BackupFailed, step: 'upload' }, path: 'step' },
  { type: 'RestoreStarted', data: { ...validExamples.RestoreStarted, trigger: 'api' }, path: 'trigger' },
  { type: 'Verified', data: { ...validExamples.Verified, chunkCount: '1' }, path: 'chunkCount' },
  { type: 'Restored', data: { backupId: bid }, path: 'durationMs' },
  { type: 'ExtensionsEnsured', data: { extensions: [''] }, path: 'extensions.0' },
  { type: 'AdminsNotified', data: { ...validExamples.AdminsNotified, priority: 4 }, path: 'priority' },
  { type: 'RestoreRejected', data: { ...validExamples.RestoreRejected, reason: 'gone' }, path: 'reason' },
  { type: 'RestoreFailed', data: { step: 'x', errorClass: 'E' }, path: 'message' },
  { type: 'InterruptedRestoreWiped', data: { ...validExamples.InterruptedRestoreWiped, manifestKey: 'x' }, path: 'manifestKey' },
  { type: 'RequestRejected', data: { ...validExamples.RequestRejected, sample: 'x'.repeat(201) }, path: 'sample' },
  { type: 'EventRejected', data: { ...validExamples.EventRejected, rejectedType: '' }, path: 'rejectedType' },
  { type: 'StoredEventRejected', data: { ...validExamples.StoredEventRejected, globalPosition: 42 }, path: 'globalPosition' },
  { type: 'AdminsNotified', data: { ...validExamples.AdminsNotified, recipients: [{ notificationId: 'nope', userId: ADMIN }] }, path: 'recipients.0.notificationId' },
  { type: 'BackupRequested', data: { ...validExamples.BackupRequested, sender: { pid: 1, role: 'x', extra: 1 } }, path: 'sender' },
  { type: 'VerificationFailed', data: { ...validExamples.VerificationFailed, problems: [] }, path: 'problems' },
  {
    type: 'VerificationFailed',
    data: { ...validExamples.VerificationFailed, problems: [{ key: h64, problem: 'lost', detail: '' }] },
    path: 'problems.0.problem',
  },
  { type: 'BackupKept', data: { ...validExamples.BackupKept, rules: [] }, path: 'rules' },
  { type: 'BackupKept', data: { ...validExamples.BackupKept, rules: ['forever'] }, path: 'rules.0' },
  { type: 'BackupExpired', data: { ...validExamples.BackupExpired, manifestKey: 'x' }, path: 'manifestKey' },
  { type: 'ObjectsReleased', data: { ...validExamples.ObjectsReleased, releasedObjects: -1 }, path: 'releasedObjects' },
  { type: 'ManifestUnreadable', data: { ...validExamples.ManifestUnreadable, problem: 'x'.repeat(5000) }, path: 'problem' },
  { type: 'ManifestReadable', data: { ...validExamples.ManifestReadable, backupId: 'nope' }, path: 'backupId' },
  { type: 'BackupDiscovered', data: { ...validExamples.BackupDiscovered, createdAtUtc: 'yesterday' }, path: 'createdAtUtc' },
  { type: 'CopyStarted', data: { ...validExamples.CopyStarted, attempt: 0 }, path: 'attempt' },
  { type: 'CopyCompleted', data: { ...validExamples.CopyCompleted, bytesSent: -1 }, path: 'bytesSent' },
  { type: 'CopyFailed', data: { ...validExamples.CopyFailed, target: '' }, path: 'target' },
  { type: 'PrimaryReseeded', data: { ...validExamples.PrimaryReseeded, pointerAdvanced: 'yes' }, path: 'pointerAdvanced' },
  { type: 'PrimaryReseedSkipped', data: { ...validExamples.PrimaryReseedSkipped, reason: 'felt like it' }, path: 'reason' },
  { type: 'CopyTargetAdopted', data: { ...validExamples.CopyTargetAdopted, by: 'anyone' }, path: 'by' },
  { type: 'TargetPruned', data: { ...validExamples.TargetPruned, deletedKeys: ['x'] }, path: 'deletedKeys.0' },
  { type: 'RowsCounted', data: { ...validExamples.RowsCounted, tables: [{ schema: 'public', table: 'users', rows: -1 }] }, path: 'tables.0.rows' },
  { type: 'FileChunksRecorded', data: { ...validExamples.FileChunksRecorded, chunkCount: -1 }, path: 'chunkCount' },
  { type: 'DrillStarted', data: { ...validExamples.DrillStarted, trigger: 'api' }, path: 'trigger' },
  { type: 'DrillPassed', data: { ...validExamples.DrillPassed, rows: 1.5 }, path: 'rows' },
  { type: 'DrillFailed', data: { ...validExamples.DrillFailed, problems: [] }, path: 'problems' },
  { type: 'DrillLeftoverDropped', data: { ...validExamples.DrillLeftoverDropped, drillId: 'x' }, path: 'drillId' },
];

describe('event vocabulary', () => {
  it('lists every type once, each with a schema and a valid example', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    expect([...EVENT_TYPES].sort()).toEqual(Object.keys(validExamples).sort());
    for (const type of EVENT_TYPES) {
      expect(eventSchemas[type]).toBeDefined();
      const event = parseEvent(type, validExamples[type]);
      expect(event.type).toBe(type);
      expect(event.data).toEqual(validExamples[type]);
      expect(backupEventSchema.safeParse({ type, data: validExamples[type] }).success).toBe(true);
    }
  });

  it('has an invalid example for every type', () => {
    expect(new Set(invalidExamples.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
  });

  it.each(invalidExamples)('rejects $type with a bad "$path"', ({ type, data, path }) => {
    let caught: unknown;
    try {
      parseEvent(type, data);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidEventError);
    const error = caught as InvalidEventError;
    expect(error.type).toBe(type);
    expect(error.issues.map((i) => i.path)).toContain(path);
    expect(error.message).toContain(`invalid ${type} event`);
    if (path) expect(error.message).toContain(`data.${path}`);
    expect(backupEventSchema.safeParse({ type, data }).success).toBe(false);
  });

  it('accepts every uuid PostgreSQL accepts, not only RFC 9562 version/variant ones', () => {
    // Version 3 with the NCS variant (8 → 0b0100): PostgreSQL stores it; imported Cotton rows hold such ids.
    const odd = 'e4774cdd-a079-3f86-414e-8b9140bb6db4';
    for (const id of [odd, odd.toUpperCase(), `{${odd}}`, odd.replaceAll('-', ''), 'e477-4cdd-a079-3f86-414e-8b91-40bb-6db4']) {
      expect(() => parseEvent('AdminsNotified', { ...validExamples.AdminsNotified, notificationIds: [id], recipients: [{ notificationId: id, userId: id }] })).not.toThrow();
      expect(() => parseEvent('BackupRequested', { ...validExamples.BackupRequested, requestId: id })).not.toThrow();
    }
    for (const id of [`{${odd}`, `${odd}-`, `-${odd}`, odd.slice(1), `${odd}0`, odd.replace('e', 'g')]) {
      expect(() => parseEvent('BackupRequested', { ...validExamples.BackupRequested, requestId: id }), id).toThrow(/requestId/);
    }
  });

  it('rejects an unknown type, naming the known ones', () => {
    expect(() => parseEvent('BackupExploded', {})).toThrow(/invalid BackupExploded event.*unknown event type; known types: BackupRequested/);
    expect(() => parseEvent('toString', {})).toThrow(InvalidEventError);
  });

  it('rejects data that is not an object', () => {
    expect(() => parseEvent('Restored', null)).toThrow(InvalidEventError);
    expect(() => parseEvent('Restored', 'x')).toThrow(InvalidEventError);
  });

  it('puts the caller context in the message', () => {
    expect(() => parseEvent('Restored', {}, 'global position 7')).toThrow(/invalid Restored event \(global position 7\): data\.backupId/);
  });
});
