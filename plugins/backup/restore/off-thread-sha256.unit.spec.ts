import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OffThreadSha256 } from './off-thread-sha256';

describe('OffThreadSha256', () => {
  it('gives the same digest as an in-thread hash, with backpressure over a large input', async () => {
    const piece = randomBytes(1 << 20);
    const reference = createHash('sha256');
    const hasher = new OffThreadSha256();
    for (let i = 0; i < 40; i++) {
      piece[0] = i; // the caller may reuse its buffer right after update()
      reference.update(piece);
      await hasher.update(piece);
    }
    expect(await hasher.digest()).toBe(reference.digest('hex'));
  });

  it('hashes empty input', async () => {
    expect(await new OffThreadSha256().digest()).toBe(createHash('sha256').digest('hex'));
  });
});
