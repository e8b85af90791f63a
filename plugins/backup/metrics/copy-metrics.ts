import { Counter, Gauge } from 'prom-client';
import type { MetricSource } from './metrics-registry';
import { COPY_TARGET_STATES } from './sql';

interface TargetRow {
  target: string;
  last_success: number | null;
  last_attempt: number | null;
  behind: number;
  bytes_sent: number;
  completed: number;
  failed: number;
}

const PREFIX = 'cotton_backup_copy_';

/**
 * One series per copy target (label `target`), read from copy_targets / copied_backups at each
 * scrape. A configured target that never ran still has its `backups_behind` (every kept backup),
 * so an alert sees a target that never worked; its timestamps stay absent (not 1970).
 */
export function copyMetrics(configured: readonly string[]): MetricSource {
  return (registry, pool, once) => {
    const rows = once(async () => (await pool.query<TargetRow>(COPY_TARGET_STATES, [configured])).rows);
    const gauges: [string, string, (r: TargetRow) => number | null][] = [
      ['last_success_timestamp_seconds', 'When the last copy to the target completed (Unix time).', (r) => r.last_success],
      ['last_attempt_timestamp_seconds', 'When a copy to the target last started or ended, whatever its outcome (Unix time).', (r) => r.last_attempt],
      ['backups_behind', 'Backups retention keeps that the target does not hold.', (r) => r.behind],
    ];
    for (const [name, help, value] of gauges) {
      new Gauge({
        name: PREFIX + name,
        help,
        labelNames: ['target'],
        registers: [registry],
        async collect() {
          const all = await rows();
          this.reset();
          for (const r of all) {
            const v = value(r);
            if (v !== null && Number.isFinite(v)) this.set({ target: r.target }, v);
          }
        },
      });
    }
    new Counter({
      name: `${PREFIX}sent_bytes_total`,
      help: 'Container bytes that completed copies sent to the target (objects it already held are not counted).',
      labelNames: ['target'],
      registers: [registry],
      async collect() {
        const all = await rows();
        this.reset();
        for (const r of all) this.inc({ target: r.target }, r.bytes_sent);
      },
    });
    new Counter({
      name: `${PREFIX}runs_total`,
      help: 'Copies to the target by outcome (completed, failed).',
      labelNames: ['target', 'outcome'],
      registers: [registry],
      async collect() {
        const all = await rows();
        this.reset();
        for (const r of all) {
          this.inc({ target: r.target, outcome: 'completed' }, r.completed);
          this.inc({ target: r.target, outcome: 'failed' }, r.failed);
        }
      },
    });
  };
}
