/** A row of the report's tables, shared by bench/report.ts and the sections it composes (bench/restic-report.ts). */
import type { Figure } from './history/figures';

export interface Row {
  metric: string;
  ours: string;
  baseline: string;
  ratio: string;
  target: string;
  met: string;
  /** The figure the target judges, kept in bench/history under `key` to be shown beside the next run's. */
  key?: string;
  figure?: Figure;
}

export const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
