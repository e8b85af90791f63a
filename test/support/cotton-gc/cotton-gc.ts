import type { Pool } from 'pg';
import { pointerStorageKey } from '../../../src/keys/keys';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { readManifest, readPointer } from '../../../plugins/backup/repository/manifest-store';
import { localTime } from '../../../plugins/backup/retention/local-time';
import { MASTER_KEY_SENTINEL } from '../../../plugins/backup/cotton-tables/never-touched';
import type { ControllableClock } from './clock';
import { DAY, HOUR, MINUTE } from './clock';
import type { RecurringTask } from './timeline';
import { CLEAR_SCHEDULE, DELETE_DUE, INSERT_ORPHAN_ROW, ROW_HASHES, SCHEDULE } from './sql';

/** Cotton's space modes: how long an unreferenced row waits before its object is deleted. */
export const SPACE_MODES = { Optimal: '7 days', Limited: '1 day', Unlimited: '28 days' } as const;
export type SpaceMode = keyof typeof SPACE_MODES;

export interface GcRun {
  at: Date;
  skipped?: 'night' | 'pointer manifest unreadable';
  scheduled: number;
  deleted: string[];
}

/**
 * An executable model of Cotton's StorageConsistencyJob and GarbageCollectorJob (COTTON.md §7),
 * over the real chunks table and the real storage, on a simulated clock. Test support only:
 * the product never deletes an object in Cotton's storage.
 */
export class CottonGcModel {
  readonly deletedObjects = new Set<string>();
  readonly runs: GcRun[] = [];

  constructor(
    private readonly deps: { pool: Pool; storage: ObjectStorage; masterEncryptionKey: Buffer; clock: ControllableClock; timeZone: string },
    public spaceMode: SpaceMode = 'Optimal',
  ) {}

  /** Protected keys, or undefined when the pointer's manifest cannot be read (the GC run aborts). */
  async protectedKeys(): Promise<string[] | undefined> {
    const pointerKey = pointerStorageKey(this.deps.masterEncryptionKey);
    const keys = [pointerKey, MASTER_KEY_SENTINEL];
    const pointer = await readPointer(this.deps.storage, pointerKey);
    if (!pointer) return keys;
    try {
      const manifest = await readManifest(this.deps.storage, pointer.latestManifestStorageKey);
      return [...keys, pointer.latestManifestStorageKey, ...manifest.chunks.map((c) => c.storageKey)];
    } catch {
      return undefined;
    }
  }

  async storageConsistency(): Promise<number> {
    const now = this.deps.clock.now();
    const protectedKeys = new Set((await this.protectedKeys()) ?? []);
    const rows = new Set((await this.deps.pool.query<{ key: string }>(ROW_HASHES)).rows.map((r) => r.key));
    let added = 0;
    for await (const key of this.deps.storage.list()) {
      if (!/^[0-9a-f]{64}$/.test(key) || rows.has(key) || protectedKeys.has(key)) continue;
      await this.deps.pool.query(INSERT_ORPHAN_ROW, [key, (await this.deps.storage.size(key)) ?? 0, new Date(now.getTime() + DAY)]);
      added += 1;
    }
    return added;
  }

  async collectGarbage(): Promise<GcRun> {
    const now = this.deps.clock.now();
    const run: GcRun = { at: now, scheduled: 0, deleted: [] };
    const hour = localTime(now, this.deps.timeZone).hour;
    if (this.spaceMode !== 'Limited' && (hour >= 22 || hour < 7)) return this.record({ ...run, skipped: 'night' });
    const protectedKeys = await this.protectedKeys();
    if (!protectedKeys) return this.record({ ...run, skipped: 'pointer manifest unreadable' });
    const { pool, storage } = this.deps;
    await pool.query(CLEAR_SCHEDULE, [protectedKeys]);
    run.scheduled = (await pool.query(SCHEDULE, [protectedKeys, now, SPACE_MODES[this.spaceMode]])).rowCount ?? 0;
    const { rows } = await pool.query<{ key: string }>(DELETE_DUE, [protectedKeys, now]);
    for (const { key } of rows) {
      await storage.delete(key);
      this.deletedObjects.add(key);
      run.deleted.push(key);
    }
    return this.record(run);
  }

  /** Cotton's two jobs on their schedules, from the model's creation: consistency at +5 min then every 30 days, GC at +15 min then every 6 h. */
  tasks(): RecurringTask[] {
    const start = this.deps.clock.now().getTime();
    return [
      { name: 'StorageConsistencyJob', next: start + 5 * MINUTE, every: 30 * DAY, run: async () => void (await this.storageConsistency()) },
      { name: 'GarbageCollectorJob', next: start + 15 * MINUTE, every: 6 * HOUR, run: async () => void (await this.collectGarbage()) },
    ];
  }

  private record(run: GcRun): GcRun {
    this.runs.push(run);
    return run;
  }
}
