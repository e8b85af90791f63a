import { describe, expect, it } from 'vitest';
import { RequestRateLimit } from './request-rate-limit';

describe('RequestRateLimit', () => {
  it('admits maxPerWindow per key and window, each key on its own, and starts afresh with the next window', () => {
    let now = 1_000;
    const limit = new RequestRateLimit(2, 60_000, () => now);
    expect([limit.take('a'), limit.take('a'), limit.take('a'), limit.take('b')]).toEqual([true, true, false, true]);
    now += 59_999;
    expect(limit.take('a')).toBe(false);
    now += 1;
    expect([limit.take('a'), limit.take('a'), limit.take('a')]).toEqual([true, true, false]);
  });
});
