import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testServer, type TestDatabase } from '../../../test/support/database';
import { seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { patchArchiveOffsets } from '../../../test/support/patch-archive-offsets';
import { ArchiveOffsetsError, readArchiveToc, scanArchive, writeArchiveOffsets } from './archive-offsets';

const run = promisify(execFile);
const connection = ['--host', testServer.host, '--port', String(testServer.port), '--username', testServer.user, '--no-password'];
const toolEnv = { ...process.env, ...(testServer.password ? { PGPASSWORD: testServer.password } : {}) };

/** pg_dump's stdout piped through Node into a file: non-seekable output, so no offsets in the TOC. */
async function pipeDump(database: string, file: string, compress = 0): Promise<void> {
  const child = spawn('pg_dump', ['--format=custom', `--compress=${compress}`, ...connection, '--dbname', database], {
    env: toolEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await pipeline(child.stdout, createWriteStream(file));
  const code = await exited;
  if (code !== 0) throw new Error(`pg_dump exited ${code}: ${stderr}`);
}

/** Dump ids pg_restore -l lists as having data ("TABLE DATA", "BLOBS"). */
async function dataIdsListed(file: string): Promise<number[]> {
  const { stdout } = await run('pg_restore', ['-l', file]);
  return stdout
    .split('\n')
    .filter((line) => / (TABLE DATA|BLOBS) /.test(line) && !line.startsWith(';'))
    .map((line) => Number(line.split(';')[0]))
    .sort((a, b) => a - b);
}

async function restoreInto(file: string, target: TestDatabase): Promise<void> {
  await target.pool.query('CREATE EXTENSION IF NOT EXISTS citext; CREATE EXTENSION IF NOT EXISTS hstore');
  await run('pg_restore', ['-j', '2', '--no-owner', '--no-privileges', '--exit-on-error', ...connection, '--dbname', target.name, file], {
    env: toolEnv,
  });
}

/** Each set offset must point at a block header naming that entry: type byte, then the dump id as an int. */
async function expectOffsetsPointAtBlocks(file: string): Promise<number> {
  const toc = await readArchiveToc(file);
  const fh = await open(file, 'r');
  let checked = 0;
  try {
    for (const entry of toc.entries.filter((e) => e.flag === 2)) {
      const header = Buffer.alloc(2 + toc.intSize);
      await fh.read(header, 0, header.length, entry.offset);
      expect([1, 3], `block type of ${entry.desc} ${entry.tag}`).toContain(header[0]);
      expect(header[1], 'sign byte of the dump id').toBe(0);
      expect(header.readUIntLE(2, toc.intSize), `dump id at the offset of ${entry.desc} ${entry.tag}`).toBe(entry.dumpId);
      checked++;
    }
  } finally {
    await fh.close();
  }
  return checked;
}

describe('patchArchiveOffsets on archives pg_dump wrote to a pipe', () => {
  let source: TestDatabase;
  let dir: string;
  let piped: string;
  let dataIds: number[];
  const targets: TestDatabase[] = [];

  beforeAll(async () => {
    source = await createTestDatabase('aoff');
    await seedCottonDatabase(source.pool, 2);
    // A large object, so the archive has a BLOBS block too (per object: oid, chunks, 0; then oid 0).
    await source.pool.query(`SELECT lo_from_bytea(0, convert_to(repeat('large object ', 1000), 'UTF8'))`);
    dir = await mkdtemp(join(tmpdir(), 'archive-offsets-'));
    piped = join(dir, 'piped.dump');
    await pipeDump(source.name, piped);
    dataIds = await dataIdsListed(piped);
  });

  afterAll(async () => {
    for (const target of targets) await target.drop();
    await source?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function freshTarget(): Promise<TestDatabase> {
    const target = await createTestDatabase('aoffr');
    targets.push(target);
    return target;
  }

  it('the piped archive lists fine and has no offsets set', async () => {
    expect(dataIds.length).toBeGreaterThanOrEqual(8);
    const toc = await readArchiveToc(piped);
    expect(toc.version).toBe('1.14');
    const withData = toc.entries.filter((e) => e.flag !== 3);
    expect(withData.map((e) => e.dumpId).sort((a, b) => a - b)).toEqual(dataIds);
    expect(withData.every((e) => e.flag === 1)).toBe(true);
  });

  it('patches every data entry, each offset pointing at its block, and the file restores with pg_restore -j 2', async () => {
    const file = join(dir, 'patch.dump');
    await copyFile(piped, file);
    const before = await readFile(file);
    const toc = await readArchiveToc(file);

    const result = await patchArchiveOffsets(file);
    expect(result).toEqual({ patched: dataIds.length, alreadySet: 0, noData: toc.entries.length - dataIds.length, notFound: 0 });
    expect(await expectOffsetsPointAtBlocks(file)).toBe(dataIds.length);

    // Only the offset fields changed (flag byte + offSize bytes per data entry); same length.
    const after = await readFile(file);
    expect(after.length).toBe(before.length);
    const fields = new Set(toc.entries.filter((e) => e.flag === 1).flatMap((e) => Array.from({ length: 1 + toc.offSize }, (_, i) => e.fieldPos + i)));
    for (let i = 0; i < before.length; i++) if (before[i] !== after[i] && !fields.has(i)) throw new Error(`byte ${i} outside the offset fields changed`);
    expect(await dataIdsListed(file)).toEqual(dataIds);

    const target = await freshTarget();
    await restoreInto(file, target);
    expect(await snapshotTables(target.pool)).toEqual(await snapshotTables(source.pool));
    const lo = `SELECT md5(string_agg(lo_get(oid)::text, ',' ORDER BY oid)) AS d FROM pg_largeobject_metadata`;
    expect((await target.pool.query(lo)).rows[0]).toEqual((await source.pool.query(lo)).rows[0]);
  });

  it('writes the same bytes without fsync (durable: false, for a work file no one reads after a crash)', async () => {
    const [durable, fast] = [join(dir, 'durable.dump'), join(dir, 'fast.dump')];
    await copyFile(piped, durable);
    await copyFile(piped, fast);
    await patchArchiveOffsets(durable);
    expect((await patchArchiveOffsets(fast, { durable: false })).patched).toBe(dataIds.length);
    expect((await readFile(fast)).equals(await readFile(durable))).toBe(true);
    expect((await readFile(fast)).equals(await readFile(piped))).toBe(false);
  });

  it('scans a file still being written, never reading past what is readable, to the same result', async () => {
    const whole = await readFile(piped);
    const file = join(dir, 'growing.dump');
    await writeFile(file, Buffer.alloc(whole.length)); // zeros where the bytes are not written yet
    let readable = 0;
    let wake = () => {};
    let scanWaits = false;
    let onWait = () => {};
    const growing = {
      size: whole.length,
      readable: () => readable,
      grown: () => new Promise<void>((resolve) => ((wake = resolve), (scanWaits = true), onWait())),
    };
    const scanning = scanArchive(file, { growing });
    const settled = scanning.then(() => undefined, () => undefined);
    const fh = await open(file, 'r+');
    // The next bytes are written only once the scan waits for them: a scan reading ahead of
    // `readable` would find zeros.
    for (let at = 0; at < whole.length; at += 100_003) {
      const end = Math.min(whole.length, at + 100_003);
      await fh.write(whole, at, end - at, at);
      readable = end;
      scanWaits = false;
      wake();
      if (end < whole.length) await Promise.race([settled, new Promise<void>((resolve) => (scanWaits ? resolve() : (onWait = resolve)))]);
    }
    await fh.close();
    const grown = await scanning;
    const direct = await scanArchive(piped);
    expect(grown.blocks).toEqual(direct.blocks);
    expect(grown.entries).toEqual(direct.entries);
    expect(await writeArchiveOffsets(file, grown)).toMatchObject({ patched: dataIds.length });
  });

  it('patching twice is a no-op', async () => {
    const file = join(dir, 'twice.dump');
    await copyFile(piped, file);
    await patchArchiveOffsets(file);
    const once = await readFile(file);
    const again = await patchArchiveOffsets(file);
    expect(again.patched).toBe(0);
    expect(again.alreadySet).toBe(dataIds.length);
    expect((await readFile(file)).equals(once)).toBe(true);
  });

  it('agrees with the offsets pg_dump itself writes to a seekable file', async () => {
    const file = join(dir, 'seekable.dump');
    await run('pg_dump', ['--format=custom', '--compress=0', ...connection, '--dbname', source.name, '--file', file], { env: toolEnv });
    const before = await readFile(file);
    // A disagreement between pg_dump's offsets and our scan would throw.
    const result = await patchArchiveOffsets(file);
    expect(result.patched).toBe(0);
    expect(result.alreadySet).toBe(dataIds.length);
    expect((await readFile(file)).equals(before)).toBe(true);
  });

  it('skips compressed data blocks just the same (they are length-prefixed chunks too)', async () => {
    const file = join(dir, 'compressed.dump');
    await pipeDump(source.name, file, 6);
    const result = await patchArchiveOffsets(file);
    expect(result.patched).toBe(dataIds.length);
    expect(await expectOffsetsPointAtBlocks(file)).toBe(dataIds.length);
    const target = await freshTarget();
    await restoreInto(file, target);
    expect(await snapshotTables(target.pool)).toEqual(await snapshotTables(source.pool));
  });

  it('refuses a file that is not an archive, leaving it byte-identical', async () => {
    const file = join(dir, 'not-an-archive.txt');
    const content = Buffer.from('-- PostgreSQL database dump\nSELECT 1;\n'.repeat(100));
    await writeFile(file, content);
    const error = await patchArchiveOffsets(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveOffsetsError);
    expect((error as ArchiveOffsetsError).code).toBe('not-an-archive');
    expect((error as Error).message).toMatch(/no PGDMP magic/);
    expect((await readFile(file)).equals(content)).toBe(true);

    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    expect(await patchArchiveOffsets(empty).catch((e: ArchiveOffsetsError) => e.code)).toBe('not-an-archive');
  });

  it('refuses a truncated archive (mid-data and mid-TOC), leaving it byte-identical', async () => {
    const { size } = await stat(piped);
    const toc = await readArchiveToc(piped);
    for (const cut of [Math.floor((toc.dataStart + size) / 2), toc.dataStart - 10, size - 1]) {
      const file = join(dir, `truncated-${cut}.dump`);
      await copyFile(piped, file);
      await truncate(file, cut);
      const before = await readFile(file);
      const error = await patchArchiveOffsets(file).catch((e: unknown) => e);
      expect(error, `cut at ${cut}`).toBeInstanceOf(ArchiveOffsetsError);
      expect((error as ArchiveOffsetsError).code).toBe('truncated');
      expect((error as Error).message).toMatch(/file ends at byte/);
      expect((await readFile(file)).equals(before)).toBe(true);
    }
  });

  it('refuses an unknown archive version and another format, leaving them byte-identical', async () => {
    const file = join(dir, 'future.dump');
    await copyFile(piped, file);
    const fh = await open(file, 'r+');
    await fh.write(Buffer.from([17]), 0, 1, 6); // minor version byte
    await fh.close();
    const before = await readFile(file);
    const error = await patchArchiveOffsets(file).catch((e: unknown) => e);
    expect((error as ArchiveOffsetsError).code).toBe('unsupported');
    expect((error as Error).message).toMatch(/archive version 1\.17\.0/);
    expect((await readFile(file)).equals(before)).toBe(true);

    const tar = join(dir, 'tar.dump');
    await run('pg_dump', ['--format=tar', ...connection, '--dbname', source.name, '--file', tar], { env: toolEnv });
    const tarBefore = await readFile(tar);
    expect(await patchArchiveOffsets(tar).catch((e: ArchiveOffsetsError) => e.code)).toBe('not-an-archive');
    expect((await readFile(tar)).equals(tarBefore)).toBe(true);
  });

  it('refuses an archive with an unknown data block type, leaving it byte-identical', async () => {
    const file = join(dir, 'bad-block.dump');
    await copyFile(piped, file);
    const toc = await readArchiveToc(file);
    const fh = await open(file, 'r+');
    await fh.write(Buffer.from([9]), 0, 1, toc.dataStart);
    await fh.close();
    const before = await readFile(file);
    const error = await patchArchiveOffsets(file).catch((e: unknown) => e);
    expect((error as ArchiveOffsetsError).code).toBe('corrupt');
    expect((error as Error).message).toMatch(/unknown data block type 9/);
    expect((await readFile(file)).equals(before)).toBe(true);
  });
});

/**
 * pg_dump 16 and 17 (archive 1.15 and 1.16) are not installed here, so these archives are built by
 * hand from the layout in pg_backup_archiver.c: 1.15 stores the compression algorithm as a byte
 * instead of an int, 1.16 adds a relkind int to every TOC entry.
 */
describe('patchArchiveOffsets on hand-built archives of each version', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archive-offsets-v-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const int = (v: number) => {
    const b = Buffer.alloc(5);
    b[0] = v < 0 ? 1 : 0;
    b.writeUInt32LE(Math.abs(v), 1);
    return b;
  };
  const str = (s: string | null) => (s === null ? int(-1) : Buffer.concat([int(Buffer.byteLength(s)), Buffer.from(s)]));

  function build(minor: number, missingBlock = false): Buffer {
    const parts: Buffer[] = [Buffer.from('PGDMP'), Buffer.from([1, minor, 0, 4, 8, 1])];
    parts.push(minor >= 15 ? Buffer.from([0]) : int(0));
    for (const v of [0, 0, 12, 1, 0, 125, 0]) parts.push(int(v));
    parts.push(str('db'), str('15.0'), str('15.0'));
    const entries = [
      { id: 1, desc: 'TABLE', data: false },
      { id: 2, desc: 'TABLE DATA', data: true },
      { id: 3, desc: 'BLOBS', data: true },
      { id: 4, desc: 'TABLE DATA', data: true },
    ];
    parts.push(int(entries.length));
    for (const e of entries) {
      parts.push(int(e.id), int(e.data ? 1 : 0), str('1259'), str(String(16000 + e.id)), str(`t${e.id}`), str(e.desc), int(e.data ? 3 : 2));
      parts.push(str('CREATE ...;'), str(''), str(e.desc === 'TABLE DATA' ? 'COPY t FROM stdin;\n' : null), str('public'), str(''), str('heap'));
      if (minor >= 16) parts.push(int(114));
      parts.push(str('postgres'), str('false'), str('1'), str(null));
      parts.push(Buffer.from([e.data ? 1 : 3]), Buffer.alloc(8));
    }
    const chunk = (s: string) => Buffer.concat([int(Buffer.byteLength(s)), Buffer.from(s)]);
    parts.push(Buffer.from([1]), int(4), chunk('a\n'), chunk('b\n'), int(0));
    parts.push(Buffer.from([3]), int(3), int(777), chunk('lo bytes'), int(0), int(778), int(0), int(0));
    if (!missingBlock) parts.push(Buffer.from([1]), int(2), chunk('x'.repeat(3000)), int(0));
    return Buffer.concat(parts);
  }

  for (const minor of [14, 15, 16]) {
    it(`archive 1.${minor}`, async () => {
      const file = join(dir, `v${minor}.dump`);
      await writeFile(file, build(minor));
      expect(await patchArchiveOffsets(file)).toEqual({ patched: 3, alreadySet: 0, noData: 1, notFound: 0 });
      const toc = await readArchiveToc(file);
      expect(toc.version).toBe(`1.${minor}`);
      const bytes = await readFile(file);
      for (const e of toc.entries.filter((x) => x.flag === 2)) {
        expect(bytes.readUInt32LE(e.offset + 2)).toBe(e.dumpId);
      }
      expect(await patchArchiveOffsets(file)).toEqual({ patched: 0, alreadySet: 3, noData: 1, notFound: 0 });
    });
  }

  it('leaves an entry whose block is missing as it was, and counts it', async () => {
    const file = join(dir, 'missing.dump');
    await writeFile(file, build(16, true));
    expect(await patchArchiveOffsets(file)).toEqual({ patched: 2, alreadySet: 0, noData: 1, notFound: 1 });
    const toc = await readArchiveToc(file);
    expect(toc.entries.find((e) => e.dumpId === 2)?.flag).toBe(1);
  });
});
