import { expect, it } from 'vitest';
import { backoffDelay } from './backoff';

it('doubles the ceiling per retry up to the maximum; the wait is a uniform share of it (full jitter)', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1000 };
  expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, { ...options, random: () => 0.999999 }))).toEqual([99, 199, 399, 799, 999, 999]);
  expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(0);
  expect(backoffDelay(3, { ...options, random: () => 0.5 })).toBe(200);
  for (let i = 0; i < 100; i++) {
    const delay = backoffDelay(2, options);
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(200);
  }
});
