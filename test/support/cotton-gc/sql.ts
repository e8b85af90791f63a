/** The statements of the Cotton GC model (COTTON.md §7), as Cotton's C# jobs run them. $1 = protected keys (hex), $2 = now. */

const REFERENCED = `(
     EXISTS (SELECT 1 FROM public.file_manifest_chunks f WHERE f.chunk_hash = c.hash)
  OR EXISTS (SELECT 1 FROM public.file_manifests m WHERE m.small_file_preview_hash = c.hash OR m.large_file_preview_hash = c.hash)
  OR EXISTS (SELECT 1 FROM public.users u WHERE u.avatar_hash = c.hash))`;
const PROTECTED = `(encode(c.hash, 'hex') = ANY ($1::text[]))`;

export const ROW_HASHES = "SELECT encode(hash, 'hex') AS key FROM public.chunks";

/** StorageConsistencyJob: a row for an object that has none, collectable a day later. */
export const INSERT_ORPHAN_ROW = `
  INSERT INTO public.chunks (hash, size_bytes, stored_size_bytes, plain_size_bytes, gc_scheduled_after)
  VALUES (decode($1, 'hex'), 0, $2, 0, $3)`;

/** Step 1: referenced or protected rows are never scheduled. */
export const CLEAR_SCHEDULE = `
  UPDATE public.chunks c SET gc_scheduled_after = NULL
   WHERE c.gc_scheduled_after IS NOT NULL AND (${REFERENCED} OR ${PROTECTED})`;

/** Step 2: unreferenced, unprotected, unscheduled rows get now + the space mode's delay ($3). */
export const SCHEDULE = `
  UPDATE public.chunks c SET gc_scheduled_after = $2::timestamptz + $3::interval
   WHERE c.gc_scheduled_after IS NULL AND NOT ${REFERENCED} AND NOT ${PROTECTED}`;

/** Step 3: rows due, then (by the caller) their objects. */
export const DELETE_DUE = `
  DELETE FROM public.chunks c
   WHERE c.gc_scheduled_after <= $2 AND NOT ${REFERENCED} AND NOT ${PROTECTED}
  RETURNING encode(c.hash, 'hex') AS key`;
