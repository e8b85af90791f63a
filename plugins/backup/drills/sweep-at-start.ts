import type { DrillContext } from './run-drill';
import { DRILL_UNLOCK, TRY_DRILL_LOCK } from './sql';
import { sweepLeftovers } from './sweep-leftovers';

/**
 * At `serve` start: a drill killed with -9 leaves its scratch database (a plaintext copy of the
 * whole database) until the next drill, and drills are off by default. The same rule as a drill's
 * own sweep; when another host's drill holds the lock it is left alone. Never stops the start.
 */
export async function sweepScratchDatabasesAtStart(ctx: DrillContext): Promise<string[]> {
  let client;
  try {
    client = await ctx.pool.connect();
  } catch (error) {
    ctx.logger?.error({ err: (error as Error).message }, 'could not sweep leftover drill scratch databases at start; the next drill will');
    return [];
  }
  let broken: Error | undefined;
  try {
    if (!(await client.query<{ locked: boolean }>(TRY_DRILL_LOCK)).rows[0]!.locked) {
      ctx.logger?.info('a restore drill is running (this or another host): its scratch database is left to it');
      return [];
    }
    try {
      return await sweepLeftovers(ctx);
    } finally {
      await client.query(DRILL_UNLOCK).catch((error: Error) => (broken = error));
    }
  } catch (error) {
    broken ??= error as Error;
    ctx.logger?.error({ err: (error as Error).message }, 'could not sweep leftover drill scratch databases at start; the next drill will');
    return [];
  } finally {
    // A connection whose unlock failed may still hold the lock: closed, not pooled.
    client.release(broken);
  }
}
