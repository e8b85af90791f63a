import type { Pool } from 'pg';
import { ROLE_OF_BACKEND } from '../../requests/sql';

/** Who sent a NOTIFY, as PostgreSQL knows it; role null when the backend was gone before we looked. */
export interface NotifySender {
  pid: number;
  role: string | null;
}

/**
 * Resolves a notifying backend's pid to its login role through pg_stat_activity. A flood comes
 * from few backends: each pid is looked up once per `ttlMs` (short, so a pid reused by another
 * session is soon looked up again), and lookups in flight are shared.
 */
export function createSenderResolver(pool: Pool, ttlMs = 1000): (pid: number) => Promise<NotifySender> {
  const cache = new Map<number, { at: number; role: Promise<string | null> }>();
  return async (pid) => {
    const now = Date.now();
    let entry = cache.get(pid);
    if (!entry || now - entry.at > ttlMs) {
      if (cache.size > 1000) cache.clear();
      const role = pool.query<{ role: string }>(ROLE_OF_BACKEND, [pid]).then(
        (r) => r.rows[0]?.role ?? null,
        () => null,
      );
      entry = { at: now, role };
      cache.set(pid, entry);
    }
    return { pid, role: await entry.role };
  };
}
