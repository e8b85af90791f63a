import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/keys/keys';
import { formatTimeSpan, InvalidManifestError, MAX_MANIFEST_BYTES, parseManifest, serializeManifest, type Manifest } from './manifest';

// Mutation testing (MUTATION.md) found the manifest's checks reached only through integration
// specs that never fed them a bad manifest: what restore trusts before any byte reaches pg_restore.
const k = (c: string) => c.repeat(64);

function manifest(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 1,
    backupId: 'a'.repeat(32),
    createdAtUtc: '2026-12-07T03:00:00.000Z',
    contains: 'postgres_database_dump',
    dumpFormat: 'pg_dump_custom',
    sourceDatabase: 'cotton',
    sourceHost: 'localhost',
    sourcePort: '5432',
    hashAlgorithm: 'SHA256',
    chunkSizeBytes: 1024,
    dumpSizeBytes: 30,
    dumpContentHash: k('d'),
    chunkCount: 2,
    elapsed: '00:00:01.0000000',
    chunks: [{ order: 1, storageKey: k('2'), sizeBytes: 20 }, { order: 0, storageKey: k('1'), sizeBytes: 10 }],
    ...over,
  };
}
const bytesOf = (m: Record<string, unknown>) => Buffer.from(JSON.stringify(m));
const refusal = (m: Record<string, unknown>) => {
  try {
    parseManifest(bytesOf(m));
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidManifestError);
    return (error as InvalidManifestError).detail;
  }
  throw new Error('the manifest was accepted');
};

describe('parseManifest', () => {
  it('reads a manifest with its chunks in order, whatever order they were listed in', () => {
    const parsed = parseManifest(bytesOf(manifest()));
    expect(parsed.chunks.map((c) => c.order)).toEqual([0, 1]);
    expect(parsed.chunks.map((c) => c.storageKey)).toEqual([k('1'), k('2')]);
  });

  it('round-trips through serializeManifest, keyed by the SHA-256 of exactly its bytes', () => {
    const { bytes, storageKey } = serializeManifest(manifest() as Manifest);
    expect(storageKey).toBe(sha256Hex(bytes));
    expect(parseManifest(bytes, storageKey).backupId).toBe('a'.repeat(32));
    expect(() => parseManifest(bytes, k('0'))).toThrow(`its content does not hash to its storage key ${k('0')}`);
  });

  it('refuses what is not JSON', () => {
    expect(() => parseManifest(Buffer.from('{nope'))).toThrow('invalid backup manifest: not valid JSON');
  });

  it('refuses counts, sizes and orders that do not add up, saying which', () => {
    expect(refusal(manifest({ chunkCount: 3 }))).toBe('chunkCount: chunkCount 3 but 2 chunks listed');
    expect(refusal(manifest({ dumpSizeBytes: 31 }))).toBe('dumpSizeBytes: dumpSizeBytes 31 but chunks add up to 30');
    const twice = [{ order: 0, storageKey: k('2'), sizeBytes: 20 }, { order: 0, storageKey: k('1'), sizeBytes: 10 }];
    expect(refusal(manifest({ chunks: twice }))).toBe('chunks: chunk orders must be 0..n-1, each once');
    const gap = [{ order: 2, storageKey: k('2'), sizeBytes: 20 }, { order: 0, storageKey: k('1'), sizeBytes: 10 }];
    expect(refusal(manifest({ chunks: gap }))).toBe('chunks: chunk orders must be 0..n-1, each once');
  });

  it('keys and ids are exactly lowercase hex of their length: no more, no less, no other letters', () => {
    for (const key of [`${k('1')}0`, k('1').slice(1), k('A'), `x${k('1').slice(1)}`]) {
      expect(refusal(manifest({ chunks: [{ order: 0, storageKey: key, sizeBytes: 30 }], chunkCount: 1 }))).toBe('chunks.0.storageKey: a lowercase hex SHA-256 (64 characters)');
    }
    for (const id of [`${'a'.repeat(32)}0`, 'a'.repeat(31), 'A'.repeat(32), `-${'a'.repeat(31)}`]) {
      expect(refusal(manifest({ backupId: id }))).toBe('backupId: a GUID as 32 lowercase hex characters');
    }
    expect(refusal(manifest({ createdAtUtc: 'yesterday' }))).toBe('createdAtUtc: an ISO-8601 timestamp');
  });

  it('a negative chunk order or size is refused; 0 is a valid size', () => {
    expect(refusal(manifest({ chunks: [{ order: -1, storageKey: k('1'), sizeBytes: 30 }], chunkCount: 1 }))).toMatch(/^chunks\.0\.order: /);
    expect(refusal(manifest({ chunks: [{ order: 0, storageKey: k('1'), sizeBytes: -1 }], chunkCount: 1, dumpSizeBytes: -1 }))).toMatch(/chunks\.0\.sizeBytes: /);
    expect(parseManifest(bytesOf(manifest({ chunks: [{ order: 0, storageKey: k('1'), sizeBytes: 0 }], chunkCount: 1, dumpSizeBytes: 0 }))).chunks).toHaveLength(1);
  });

  it("the event seal's position is a positive integer of at most 19 digits", () => {
    const seal = (position: string) => manifest({ eventSeal: { position, chainMac: k('e') } });
    expect(parseManifest(bytesOf(seal('1'))).eventSeal?.position).toBe('1');
    expect(parseManifest(bytesOf(seal('9'.repeat(19)))).eventSeal?.position).toBe('9'.repeat(19));
    for (const bad of ['0', '01', '9'.repeat(20), '12a', 'a12']) expect(refusal(seal(bad)), bad).toBe('eventSeal.position: a seal position');
  });

  it('names the root when the whole manifest is of the wrong shape', () => {
    expect(() => parseManifest(Buffer.from('[]'))).toThrow(/invalid backup manifest: \(root\): /);
  });

  it('reads whole manifests up to 64 MiB', () => {
    expect(MAX_MANIFEST_BYTES).toBe(64 * 1024 * 1024);
  });
});

describe("the manifest's eventSeal (the event log's chain head at the backup)", () => {
  // A manifest as Cotton's own job writes it has no field of ours.
  const cottons = manifest() as Manifest;

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

describe('formatTimeSpan (.NET TimeSpan text, as Cotton writes elapsed)', () => {
  it.each([
    [0, '00:00:00.0000000'],
    [-5, '00:00:00.0000000'],
    [1.23456, '00:00:00.0012346'],
    [61_000.5, '00:01:01.0005000'],
    [3_600_000 * 25 + 62_000, '1.01:01:02.0000000'],
    [86_400_000 * 3 - 1, '2.23:59:59.9990000'],
  ])('%s ms is %s', (ms, text) => expect(formatTimeSpan(ms)).toBe(text));
});
