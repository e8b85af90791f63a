import { open, type FileHandle } from 'node:fs/promises';
import { writeAt } from '../../../src/storage/filesystem/write-at';

/**
 * Fills in the data offsets of a pg_dump custom-format archive that was written to a pipe.
 *
 * pg_dump writes a custom-format archive as header, TOC, then one data block per TOC entry that
 * has data. When its output is seekable it goes back at the end and rewrites the TOC with each
 * block's file offset; when the output is a pipe (our backups: `pg_dump --format=custom` streamed
 * into the chunker) it cannot, and every data entry's offset stays "not set". pg_restore -j on such
 * a file has each worker scan the data area for its table's block, which makes the pg_restore step
 * of a restore ~1.3x slower than on a file pg_dump wrote directly.
 *
 * scanArchive then writeArchiveOffsets do, in place, what pg_dump does at the end of a seekable
 * dump: scanArchive reads the header and the TOC (formats K_VERS_1_14 to K_VERS_1_16, i.e. pg_dump
 * 12 to 17) and scans the data area once from start to end with a bounded buffer, recording where
 * each block starts; only when that whole scan succeeded does writeArchiveOffsets write the offsets
 * into the TOC entries' offset fields. Nothing else in the file changes; its length never does.
 *
 * Layout facts (from PostgreSQL's pg_backup_archiver.c ReadHead/ReadToc/ReadInt/ReadStr/ReadOffset
 * and pg_backup_custom.c _ReadExtraToc/_StartData/_StartLOs/_skipData/_skipLOs):
 * - int: one sign byte (non-zero = negative), then intSize bytes of magnitude, little-endian.
 * - string: an int length, then that many bytes; a negative length is NULL.
 * - offset field: one flag byte (1 not set, 2 set, 3 no data), then offSize bytes little-endian.
 * - header: "PGDMP", major, minor, rev, intSize, offSize, format (1 = custom); compression as an int
 *   before 1.15, as an algorithm byte from 1.15; seven ints of creation time; database name, server
 *   version and pg_dump version strings.
 * - TOC: an int count, then per entry: dumpId int, hadDumper int, tableoid, oid, tag, desc strings,
 *   section int, defn, dropStmt, copyStmt, namespace, tablespace, tableam (1.14+) strings, relkind
 *   int (1.16+), owner string, "with oids" string, dependency strings ended by a NULL string, then
 *   the offset field.
 * - data block: a type byte (1 = data, 3 = large objects) and the dump id as an int; a data block is
 *   chunks each prefixed by an int length, ended by length 0; a large-object block is, per object,
 *   an oid int followed by such chunks, ended by oid 0. Compressed chunks are framed the same way.
 *
 * Crash safety: the offset bytes are written (and fsynced) before any flag byte, and a flag is a
 * single byte. pg_restore ignores the offset bytes of an entry whose flag says "not set", so at
 * every instant each entry is either as pg_dump left it or fully patched.
 */

export interface ArchiveOffsetsResult {
  /** Data entries whose offset was "not set" and now points at their block. */
  patched: number;
  /** Data entries whose offset was already set (by pg_dump, or by an earlier patch). */
  alreadySet: number;
  /** Entries without data (schema objects and the like). */
  noData: number;
  /** Data entries whose block is not in the file: left "not set", pg_restore scans for them as before. */
  notFound: number;
}

export type ArchiveOffsetsErrorCode = 'not-an-archive' | 'unsupported' | 'truncated' | 'corrupt';

/** The file is not an archive this code understands; it was left untouched. */
export class ArchiveOffsetsError extends Error {
  constructor(
    readonly code: ArchiveOffsetsErrorCode,
    readonly file: string,
    message: string,
  ) {
    super(`cannot patch the data offsets of "${file}": ${message}`);
    this.name = 'ArchiveOffsetsError';
  }
}

const MAGIC = Buffer.from('PGDMP', 'latin1');
const FORMAT_CUSTOM = 1;
const K_OFFSET_POS_NOT_SET = 1;
const K_OFFSET_POS_SET = 2;
const K_OFFSET_NO_DATA = 3;
const BLK_DATA = 1;
const BLK_BLOBS = 3;
/** Archive versions written by pg_dump 12–15 (1.14), 16 (1.15) and 17 (1.16). */
const SUPPORTED_MINORS = new Set([14, 15, 16]);
const BUFFER_SIZE = 1 << 20;
/** Strings we keep (tag, desc) for messages; longer ones are skipped, not read. */
const KEPT_STRING_MAX = 4096;

export interface TocEntry {
  dumpId: number;
  desc: string;
  tag: string;
  /** File position of the entry's offset flag byte. */
  fieldPos: number;
  /** 1 not set, 2 set, 3 no data. */
  flag: number;
  /** The data block's file offset; meaningful when flag is 2. */
  offset: number;
}

/**
 * A file still being written front to back (a restore's dump while it is verified): its final
 * size, how much of it from the start may be read now, and a wait for more. A scan over it reads
 * only what is readable, so it runs alongside the writing instead of after it.
 */
export interface GrowingFile {
  size: number;
  readable(): number;
  /** Resolves once readable() grew; rejects when the writing failed (the scan stops). */
  grown(): Promise<void>;
}

/** Positional, buffered reads over a file, with bounded memory whatever the file's size. */
class Reader {
  pos = 0;
  private readonly buf = Buffer.allocUnsafe(BUFFER_SIZE);
  private bufStart = 0;
  private bufLen = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    private readonly file: string,
    readonly intSize: () => number,
    private readonly signal?: AbortSignal,
    private readonly growing?: GrowingFile,
  ) {}

  /** Undefined when n bytes at pos are buffered; otherwise a promise that buffers them. */
  need(n: number, what: string): Promise<void> | undefined {
    if (this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.bufLen) return undefined;
    return this.fill(n, what);
  }

  private async fill(n: number, what: string): Promise<void> {
    this.signal?.throwIfAborted();
    if (this.pos + n > this.size) {
      throw new ArchiveOffsetsError('truncated', this.file, `file ends at byte ${this.size} inside ${what} at byte ${this.pos}`);
    }
    let want = Math.min(BUFFER_SIZE, this.size - this.pos);
    if (this.growing) {
      while (this.growing.readable() < this.pos + n) {
        await this.growing.grown();
        this.signal?.throwIfAborted();
      }
      want = Math.max(n, Math.min(want, this.growing.readable() - this.pos));
    }
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.fh.read(this.buf, got, want - got, this.pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.bufStart = this.pos;
    this.bufLen = got;
    if (got < n) throw new ArchiveOffsetsError('truncated', this.file, `file shrank while being read, inside ${what} at byte ${this.pos}`);
  }

  /** Callers have made sure the byte is buffered (need). */
  byte(): number {
    return this.buf[this.pos++ - this.bufStart]!;
  }

  /** A pg_dump int; callers have made sure 1 + intSize bytes are buffered. */
  int(what: string): number {
    const at = this.pos;
    const negative = this.byte() !== 0;
    const size = this.intSize();
    let value = 0;
    let scale = 1;
    for (let i = 0; i < size; i++) {
      value += this.byte() * scale;
      scale *= 256;
    }
    if (!Number.isSafeInteger(value)) throw new ArchiveOffsetsError('corrupt', this.file, `${what} at byte ${at} is out of range`);
    return negative ? -value : value;
  }

  async readInt(what: string): Promise<number> {
    const pending = this.need(1 + this.intSize(), what);
    if (pending) await pending;
    return this.int(what);
  }

  async readByte(what: string): Promise<number> {
    const pending = this.need(1, what);
    if (pending) await pending;
    return this.byte();
  }

  /** A pg_dump string: its text when asked to keep it (and short), else skipped. Null for NULL. */
  async readStr(what: string, keep = false): Promise<string | null> {
    const length = await this.readInt(`the length of ${what}`);
    if (length < 0) return null;
    if (keep && length <= KEPT_STRING_MAX) {
      const pending = this.need(length, what);
      if (pending) await pending;
      const start = this.pos - this.bufStart;
      this.pos += length;
      return this.buf.toString('utf8', start, start + length);
    }
    this.skip(length, what);
    return keep ? '…' : '';
  }

  skip(n: number, what: string): void {
    if (this.pos + n > this.size) {
      throw new ArchiveOffsetsError('truncated', this.file, `file ends at byte ${this.size} inside ${what} (${n} bytes from byte ${this.pos})`);
    }
    this.pos += n;
  }
}

/** What a scan of the whole archive found: its TOC entries and where each data block starts. */
export interface ArchiveScan {
  file: string;
  entries: TocEntry[];
  blocks: Map<number, number>;
  size: number;
  offSize: number;
}

/**
 * Writes what `scan` found into the TOC (the second half of patching), after checking it
 * against the TOC; the file must still have the size scanned. `durable: false` skips the fsyncs,
 * for a work file no one reads after a crash.
 */
export async function writeArchiveOffsets(file: string, scan: ArchiveScan, options: { durable?: boolean } = {}): Promise<ArchiveOffsetsResult> {
  const { entries, blocks, size, offSize } = scan;
  const result: ArchiveOffsetsResult = { patched: 0, alreadySet: 0, noData: 0, notFound: 0 };
  const patches: { fieldPos: number; offset: number }[] = [];
  for (const entry of entries) {
    const block = blocks.get(entry.dumpId);
    if (entry.flag === K_OFFSET_NO_DATA) {
      if (block !== undefined) {
        throw new ArchiveOffsetsError('corrupt', file, `a data block at byte ${block} belongs to entry ${entry.dumpId} (${entry.desc} ${entry.tag}), which has no data`);
      }
      result.noData++;
    } else if (entry.flag === K_OFFSET_POS_SET) {
      if (block !== undefined && block !== entry.offset) {
        throw new ArchiveOffsetsError('corrupt', file, `entry ${entry.dumpId} (${entry.desc} ${entry.tag}) says its data is at byte ${entry.offset}, but its block is at byte ${block}`);
      }
      result.alreadySet++;
    } else if (block === undefined) {
      result.notFound++;
    } else {
      if (offSize < 8 && block >= 256 ** offSize) {
        throw new ArchiveOffsetsError('unsupported', file, `offset ${block} does not fit the archive's ${offSize}-byte offsets`);
      }
      patches.push({ fieldPos: entry.fieldPos, offset: block });
      result.patched++;
    }
  }
  const known = new Set(entries.map((e) => e.dumpId));
  for (const [dumpId, at] of blocks) {
    if (!known.has(dumpId)) throw new ArchiveOffsetsError('corrupt', file, `the data block at byte ${at} belongs to dump id ${dumpId}, which the TOC does not list`);
  }
  if (patches.length === 0) return result;

  const fh = await open(file, 'r+');
  try {
    if ((await fh.stat()).size !== size) throw new ArchiveOffsetsError('corrupt', file, 'the file changed size while being read');
    // Offsets first (ignored by pg_restore while the flag says "not set"), made durable, then the
    // one-byte flags: a crash at any point leaves every entry either untouched or complete. Not
    // durable: for a work file no one reads after a crash (an fsync here writes back the whole
    // freshly written file, ~0.5 s per 250 MB on this disk).
    const durable = options.durable ?? true;
    const offsetBytes = Buffer.alloc(offSize);
    for (const { fieldPos, offset } of patches) {
      let rest = offset;
      for (let i = 0; i < offSize; i++) {
        offsetBytes[i] = rest % 256;
        rest = Math.floor(rest / 256);
      }
      await writeAt(fh, offsetBytes, fieldPos + 1);
    }
    if (durable) await fh.sync();
    const flag = Buffer.from([K_OFFSET_POS_SET]);
    for (const { fieldPos } of patches) await writeAt(fh, flag, fieldPos);
    if (durable) await fh.sync();
  } finally {
    await fh.close();
  }
  return result;
}

export interface ArchiveToc {
  /** "1.14", "1.15" or "1.16". */
  version: string;
  intSize: number;
  offSize: number;
  /** Where the data area starts (the first byte after the TOC). */
  dataStart: number;
  entries: TocEntry[];
}

/** The header and TOC of a custom-format archive, without reading its data area. */
export async function readArchiveToc(file: string): Promise<ArchiveToc> {
  const fh = await open(file, 'r');
  try {
    return (await readToc(fh, file, (await fh.stat()).size)).toc;
  } finally {
    await fh.close();
  }
}

/**
 * Reads the header and TOC and walks every data block (the first half of patching). With
 * `growing`, the file is still being written: the scan opens it once its first bytes are there
 * and reads only as far as readable, waiting for more.
 */
export async function scanArchive(file: string, options: { signal?: AbortSignal; growing?: GrowingFile } = {}): Promise<ArchiveScan> {
  const { signal, growing } = options;
  if (growing) while (growing.readable() === 0) await growing.grown();
  const fh = await open(file, 'r');
  try {
    const size = growing ? growing.size : (await fh.stat()).size;
    const { toc, reader } = await readToc(fh, file, size, signal, growing);
    const blocks = await scanBlocks(reader, file);
    return { file, entries: toc.entries, blocks, size, offSize: toc.offSize };
  } finally {
    await fh.close();
  }
}

async function readToc(fh: FileHandle, file: string, size: number, signal?: AbortSignal, growing?: GrowingFile): Promise<{ toc: ArchiveToc; reader: Reader }> {
  let intSize = 4;
  const r = new Reader(fh, size, file, () => intSize, signal, growing);

  // Header (ReadHead).
  if (size < MAGIC.length + 6) throw new ArchiveOffsetsError('not-an-archive', file, `${size} bytes is too short for a pg_dump archive`);
  let pending = r.need(MAGIC.length + 6, 'the header');
  if (pending) await pending;
  const magic = Buffer.from([r.byte(), r.byte(), r.byte(), r.byte(), r.byte()]);
  if (!magic.equals(MAGIC)) throw new ArchiveOffsetsError('not-an-archive', file, 'no PGDMP magic at the start: not a pg_dump custom-format archive');
  const vmaj = r.byte();
  const vmin = r.byte();
  const vrev = r.byte();
  if (vmaj !== 1 || !SUPPORTED_MINORS.has(vmin) || vrev !== 0) {
    throw new ArchiveOffsetsError('unsupported', file, `archive version ${vmaj}.${vmin}.${vrev} is not one of 1.14–1.16 (pg_dump 12–17)`);
  }
  intSize = r.byte();
  const offSize = r.byte();
  if (intSize < 1 || intSize > 8) throw new ArchiveOffsetsError('unsupported', file, `integer size ${intSize} is not supported`);
  if (offSize < 1 || offSize > 8) throw new ArchiveOffsetsError('unsupported', file, `offset size ${offSize} is not supported`);
  const format = r.byte();
  if (format !== FORMAT_CUSTOM) throw new ArchiveOffsetsError('unsupported', file, `archive format ${format} is not the custom format (1)`);
  if (vmin >= 15) await r.readByte('the compression algorithm');
  else await r.readInt('the compression level');
  for (let i = 0; i < 7; i++) await r.readInt('the creation time');
  await r.readStr('the database name');
  await r.readStr('the server version');
  await r.readStr('the pg_dump version');

  // TOC (ReadToc + _ReadExtraToc).
  const count = await r.readInt('the TOC entry count');
  if (count < 0 || count > size) throw new ArchiveOffsetsError('corrupt', file, `TOC entry count ${count} is impossible for a ${size}-byte file`);
  const entries: TocEntry[] = [];
  const ids = new Set<number>();
  for (let i = 0; i < count; i++) {
    const what = `TOC entry ${i + 1} of ${count}`;
    const dumpId = await r.readInt(`the dump id of ${what}`);
    if (dumpId <= 0) throw new ArchiveOffsetsError('corrupt', file, `${what} has dump id ${dumpId}`);
    if (ids.has(dumpId)) throw new ArchiveOffsetsError('corrupt', file, `dump id ${dumpId} appears twice in the TOC`);
    ids.add(dumpId);
    await r.readInt(`hadDumper of ${what}`);
    await r.readStr(`the table oid of ${what}`);
    await r.readStr(`the oid of ${what}`);
    const tag = (await r.readStr(`the tag of ${what}`, true)) ?? '';
    const desc = (await r.readStr(`the description of ${what}`, true)) ?? '';
    await r.readInt(`the section of ${what}`);
    await r.readStr(`the definition of ${what}`);
    await r.readStr(`the drop statement of ${what}`);
    await r.readStr(`the copy statement of ${what}`);
    await r.readStr(`the namespace of ${what}`);
    await r.readStr(`the tablespace of ${what}`);
    await r.readStr(`the table access method of ${what}`);
    if (vmin >= 16) await r.readInt(`the relkind of ${what}`);
    await r.readStr(`the owner of ${what}`);
    await r.readStr(`the WITH OIDS flag of ${what}`);
    while ((await r.readStr(`a dependency of ${what}`)) !== null) {
      // dependency ids are not needed here
    }
    pending = r.need(1 + offSize, `the data offset of ${what}`);
    if (pending) await pending;
    const fieldPos = r.pos;
    const flag = r.byte();
    if (flag !== K_OFFSET_POS_NOT_SET && flag !== K_OFFSET_POS_SET && flag !== K_OFFSET_NO_DATA) {
      throw new ArchiveOffsetsError('corrupt', file, `${what} (${desc} ${tag}) has data offset flag ${flag} at byte ${fieldPos}`);
    }
    let offset = 0;
    let scale = 1;
    for (let b = 0; b < offSize; b++) {
      offset += r.byte() * scale;
      scale *= 256;
    }
    if (!Number.isSafeInteger(offset)) throw new ArchiveOffsetsError('corrupt', file, `${what} has an out-of-range data offset`);
    entries.push({ dumpId, desc, tag, fieldPos, flag, offset });
  }
  return { toc: { version: `${vmaj}.${vmin}`, intSize, offSize, dataStart: r.pos, entries }, reader: r };
}

/** The start offset of every data block, by dump id; the file must end exactly after the last. */
async function scanBlocks(r: Reader, file: string): Promise<Map<number, number>> {
  const blocks = new Map<number, number>();
  const intBytes = 1 + r.intSize();
  while (r.pos < r.size) {
    const start = r.pos;
    let pending = r.need(1, 'a block header');
    if (pending) await pending;
    const type = r.byte();
    if (type !== BLK_DATA && type !== BLK_BLOBS) {
      throw new ArchiveOffsetsError('corrupt', file, `unknown data block type ${type} at byte ${start}`);
    }
    const dumpId = await r.readInt(`the dump id of the block at byte ${start}`);
    if (dumpId <= 0) throw new ArchiveOffsetsError('corrupt', file, `the block at byte ${start} has dump id ${dumpId}`);
    if (blocks.has(dumpId)) throw new ArchiveOffsetsError('corrupt', file, `dump id ${dumpId} has two data blocks (bytes ${blocks.get(dumpId)} and ${start})`);
    const what = `the data block of dump id ${dumpId} (byte ${start})`;
    // Per large object an oid then chunks; a plain data block is just one run of chunks.
    for (;;) {
      if (type === BLK_BLOBS) {
        pending = r.need(intBytes, what);
        if (pending) await pending;
        const oid = r.int(`a large object oid in ${what}`);
        if (oid === 0) break;
      }
      // Chunks: the hot loop (pg_dump writes one chunk per COPY row), so no await unless the buffer runs dry.
      for (;;) {
        pending = r.need(intBytes, what);
        if (pending) await pending;
        const length = r.int(`a chunk length in ${what}`);
        if (length === 0) break;
        if (length < 0) throw new ArchiveOffsetsError('corrupt', file, `negative chunk length ${length} in ${what}`);
        r.skip(length, what);
      }
      if (type === BLK_DATA) break;
    }
    blocks.set(dumpId, start);
  }
  return blocks;
}
