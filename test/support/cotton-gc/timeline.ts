import type { ControllableClock } from './clock';

/** Something that runs every `every` ms of simulated time, first at `next`. */
export interface RecurringTask {
  name: string;
  next: number;
  every: number;
  run(): Promise<void>;
}

/**
 * Moves the clock to `until`, running every task that falls due on the way at its own due time,
 * earliest first (ties in list order), as a real scheduler would.
 */
export async function runUntil(clock: ControllableClock, tasks: RecurringTask[], until: Date): Promise<void> {
  for (;;) {
    const task = tasks.reduce<RecurringTask | undefined>((a, t) => (!a || t.next < a.next ? t : a), undefined);
    if (!task || task.next > until.getTime()) break;
    clock.set(new Date(task.next));
    task.next += task.every;
    await task.run();
  }
  clock.set(until);
}
