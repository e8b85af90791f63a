import { openSync, closeSync, readFileSync, writeSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAt, writeAtSync } from './write-at';

const bytes = Buffer.from('0123456789abcdef');

describe('writeAt / writeAtSync', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'write-at-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('write every byte at its position in a real file, whatever was written before', async () => {
    const path = join(dir, 'file');
    const fh = await open(path, 'w+');
    try {
      await writeAt(fh, Buffer.from('xxxxxxxx'), 0);
      await writeAt(fh, bytes, 4);
    } finally {
      await fh.close();
    }
    const fd = openSync(path, 'r+');
    try {
      writeAtSync(fd, Buffer.from('ZZ'), 1);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, 'utf8')).toBe('xZZx0123456789abcdef');
  });

  it('carry on after short writes from where they stopped', async () => {
    // A file that takes 3 bytes a write (a real one does so only when its disk is nearly full).
    const written: { at: number; text: string }[] = [];
    const shortWrites = { write: async (b: Uint8Array, offset: number, length: number, position: number) => {
      const n = Math.min(3, length);
      written.push({ at: position, text: Buffer.from(b.subarray(offset, offset + n)).toString() });
      return { bytesWritten: n, buffer: b };
    } };
    await writeAt(shortWrites as never, bytes, 100);
    expect(written.map((w) => w.at)).toEqual([100, 103, 106, 109, 112, 115]);
    expect(written.map((w) => w.text).join('')).toBe(bytes.toString());

    const sync: number[] = [];
    writeAtSync(7, bytes, 10, ((fd: number, _b: Uint8Array, _offset: number, length: number, position: number) => (sync.push(position), Math.min(5, length))) as typeof writeSync);
    expect(sync).toEqual([10, 15, 20, 25]);
  });

  it('fail with ENOSPC, not loop forever, when a write makes no progress', async () => {
    const full = { write: async (b: Uint8Array) => ({ bytesWritten: 0, buffer: b }) };
    await expect(writeAt(full as never, bytes, 0)).rejects.toMatchObject({ code: 'ENOSPC', message: 'the file accepted no more bytes' });
    expect(() => writeAtSync(7, bytes, 0, (() => 0) as typeof writeSync)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
  });
});
