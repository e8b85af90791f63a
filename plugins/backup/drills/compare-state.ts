import type { SourceState } from '../dump/source-state';
import type { EventData } from '../events/vocabulary';

export type DrillProblem = EventData<'DrillFailed'>['problems'][number];

export interface TableReport {
  table: string;
  expected: number | null;
  actual: number | null;
  ok: boolean;
}

/**
 * The restored database against the source at dump time: every table's exact row count (and no
 * table missing or extra), every extension present, Cotton's EF migrations identical.
 */
export function compareState(expected: SourceState, actual: SourceState): { tables: TableReport[]; problems: DrillProblem[] } {
  const key = (t: { schema: string; table: string }) => `${t.schema}.${t.table}`;
  const restored = new Map(actual.tables.map((t) => [key(t), t.rows]));
  const recorded = new Map(expected.tables.map((t) => [key(t), t.rows]));
  const tables: TableReport[] = [];
  const problems: DrillProblem[] = [];
  for (const [table, rows] of recorded) {
    const found = restored.get(table);
    tables.push({ table, expected: rows, actual: found ?? null, ok: found === rows });
    if (found === undefined) problems.push({ problem: 'missing_table', subject: table, expected: String(rows), actual: null });
    else if (found !== rows) problems.push({ problem: 'row_count', subject: table, expected: String(rows), actual: String(found) });
  }
  for (const [table, rows] of restored) {
    if (recorded.has(table)) continue;
    tables.push({ table, expected: null, actual: rows, ok: false });
    problems.push({ problem: 'extra_table', subject: table, expected: null, actual: String(rows) });
  }
  const installed = new Set(actual.extensions.map((e) => e.name));
  for (const extension of expected.extensions) {
    if (!installed.has(extension.name)) problems.push({ problem: 'missing_extension', subject: extension.name, expected: extension.version, actual: null });
  }
  const before = expected.efMigrations;
  const after = actual.efMigrations;
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    problems.push({ problem: 'ef_migrations', subject: '__EFMigrationsHistory', expected: describeMigrations(before), actual: describeMigrations(after) });
  }
  return { tables: tables.sort((a, b) => a.table.localeCompare(b.table)), problems };
}

function describeMigrations(ids: string[] | null): string {
  if (ids === null) return 'no history table';
  return `${ids.length} migration(s), last ${ids.at(-1) ?? '(none)'}`.slice(0, 200);
}
