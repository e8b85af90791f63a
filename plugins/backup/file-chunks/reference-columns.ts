import type { ClientBase, Pool } from 'pg';
import { PRESENT_REFERENCE_COLUMNS, REFERENCE_COLUMNS, type ReferenceColumn } from '../cotton-tables/sql';

/** The columns of REFERENCE_COLUMNS this database has (none in a database that is not Cotton's). */
export async function presentReferenceColumns(db: Pool | ClientBase): Promise<ReferenceColumn[]> {
  const { rows } = await db.query<{ table: string; column: string }>(PRESENT_REFERENCE_COLUMNS, [
    REFERENCE_COLUMNS.map((r) => r.table),
    REFERENCE_COLUMNS.map((r) => r.column),
  ]);
  return REFERENCE_COLUMNS.filter((r) => rows.some((p) => p.table === r.table && p.column === r.column));
}
