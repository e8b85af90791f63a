import type { DrillContext } from './run-drill';
import { dropLeftover, findLeftovers } from './scratch-database';
import { SESSIONS_ON_DATABASE } from './sql';

/**
 * Drops what crashed drills left (a scratch database is a full plaintext copy of Cotton's).
 * Only under the drill lock, so no drill of this source runs that still holds it; and a leftover
 * some session is connected to is kept all the same (a drill whose lock connection broke, its
 * pg_restore still writing): the next sweep takes it. Ours only: findLeftovers' name + marker rule.
 */
export async function sweepLeftovers(ctx: Pick<DrillContext, 'pool' | 'journal' | 'target' | 'logger'>): Promise<string[]> {
  const swept: string[] = [];
  for (const leftover of await findLeftovers(ctx.pool, ctx.target.database)) {
    const { n } = (await ctx.pool.query<{ n: number }>(SESSIONS_ON_DATABASE, [leftover.name])).rows[0]!;
    if (n > 0) {
      ctx.logger?.warn({ database: leftover.name, sessions: n }, 'kept the scratch database of a restore drill: sessions are connected to it; the next sweep drops it once they are gone');
      continue;
    }
    await dropLeftover(ctx.pool, leftover);
    await ctx.journal.append(`drill-${leftover.drillId}`, [{ type: 'DrillLeftoverDropped', data: { scratchDatabase: leftover.name, drillId: leftover.drillId } }]);
    ctx.logger?.warn({ database: leftover.name }, 'dropped the scratch database of a restore drill that did not finish');
    swept.push(leftover.name);
  }
  return swept;
}
