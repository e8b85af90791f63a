/**
 * Cotton's `chunks` table (COTTON.md §7): the only statements this project runs on it. We only
 * ever UPDATE `gc_scheduled_after` (outside Cotton's integrity signature) on rows that exist:
 * never INSERT, never DELETE, never another column.
 */

/** True when the database has Cotton's chunks table with the GC column (a database that is not Cotton's has none). */
export const CHUNKS_TABLE_PRESENT = `
  SELECT EXISTS (
    SELECT 1 FROM pg_attribute
     WHERE attrelid = to_regclass('public.chunks') AND attname = 'gc_scheduled_after' AND NOT attisdropped
  ) AS present`;

/**
 * Holds the GC off the rows of the given keys ($1 text[] of hex keys) until $2. A row already
 * pinned beyond $3 is left alone, so a re-pin writes only rows Cotton has (re)scheduled or reset.
 */
export const PIN_OBJECTS = `
  UPDATE public.chunks c SET gc_scheduled_after = $2
    FROM unnest($1::text[]) AS k(hex)
   WHERE c.hash = decode(k.hex, 'hex')
     AND (c.gc_scheduled_after IS NULL OR c.gc_scheduled_after < $3)`;

/** Hands rows back to Cotton's GC: NULL is what Cotton's step 2 schedules from. */
export const RELEASE_OBJECTS = `
  UPDATE public.chunks c SET gc_scheduled_after = NULL
    FROM unnest($1::text[]) AS k(hex)
   WHERE c.hash = decode(k.hex, 'hex') AND c.gc_scheduled_after IS NOT NULL`;
