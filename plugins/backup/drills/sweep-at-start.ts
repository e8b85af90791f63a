import type { DrillContext } from './run-drill';
import { tryDrillLock } from './drill-lock';
import { sweepLeftovers } from './sweep-leftovers';

/**
 * At `serve` start: a drill killed with -9 leaves its scratch database (a plaintext copy of the
 * whole database) until the next drill, and drills are off by default. The same rule as a drill's
 * own sweep; when another host's drill holds the lock it is left alone. Never stops the start.
 */
export async function sweepScratchDatabasesAtStart(ctx: DrillContext): Promise<string[]> {
  const failed = (error: unknown): string[] => {
    ctx.logger?.error({ err: (error as Error).message }, 'could not sweep leftover drill scratch databases at start; the next drill will');
    return [];
  };
  let held;
  try {
    held = await tryDrillLock(ctx.pool);
  } catch (error) {
    return failed(error);
  }
  if (!held) {
    ctx.logger?.info('a restore drill is running (this or another host): its scratch database is left to it');
    return [];
  }
  try {
    return await sweepLeftovers(ctx);
  } catch (error) {
    return failed(error);
  } finally {
    // A connection whose unlock fails may still hold the lock: release() closes it, not pooled.
    await held.release();
  }
}
