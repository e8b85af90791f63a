import { describe, expect, it } from 'vitest';
import { InvalidManifestError, parseManifest, serializeManifest, type Manifest } from './manifest';

// A manifest as Cotton's own job writes it: no field of ours.
const cottons: Manifest = {
  schemaVersion: 1,
  backupId: '0'.repeat(32),
  createdAtUtc: '2026-12-07T09:00:00.000Z',
  contains: 'postgres_database_dump',
  dumpFormat: 'pg_dump_custom',
  sourceDatabase: 'cotton',
  sourceHost: 'localhost',
  sourcePort: '5432',
  hashAlgorithm: 'SHA256',
  chunkSizeBytes: 1024,
  dumpSizeBytes: 10,
  dumpContentHash: 'a'.repeat(64),
  chunkCount: 1,
  elapsed: '00:00:01.0000000',
  chunks: [{ order: 0, storageKey: 'b'.repeat(64), sizeBytes: 10 }],
};

describe("the manifest's eventSeal (the event log's chain head at the backup)", () => {
  it('is optional: a manifest without it parses, and one with it keeps it', () => {
    expect(parseManifest(serializeManifest(cottons).bytes).eventSeal).toBeUndefined();
    const ours = { ...cottons, eventSeal: { position: '42', chainMac: 'c'.repeat(64) } };
    const { bytes, storageKey } = serializeManifest(ours);
    expect(parseManifest(bytes, storageKey).eventSeal).toEqual({ position: '42', chainMac: 'c'.repeat(64) });
  });

  it('is refused when malformed, naming the field', () => {
    const bad = Buffer.from(JSON.stringify({ ...cottons, eventSeal: { position: '-1', chainMac: 'x' } }));
    expect(() => parseManifest(bad)).toThrow(InvalidManifestError);
    expect(() => parseManifest(bad)).toThrow(/eventSeal\.position: a seal position; eventSeal\.chainMac/);
  });
});
