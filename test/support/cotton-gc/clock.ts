import type { Clock } from '../../../src/contract/services';

/** A clock the test moves: the plugin's and Cotton's model jobs read the same simulated time. */
export class ControllableClock implements Clock {
  private current: number;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(to: Date): void {
    if (to.getTime() < this.current) throw new Error(`the simulated clock only moves forward (${to.toISOString()} < ${this.now().toISOString()})`);
    this.current = to.getTime();
  }

  advance(ms: number): void {
    this.set(new Date(this.current + ms));
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
