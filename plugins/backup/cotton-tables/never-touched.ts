/** SHA-256 of `cotton.master-key.sentinel.v1` (COTTON.md §8): Cotton's, never ours to pin or release. */
export const MASTER_KEY_SENTINEL = '71093c6b8c3823f8c6db5b5c2e84f4cb3af922a5ac1252753357b4b97c00f9bc';

/** Keys with the sentinel taken out, sorted (stable lock order for the UPDATE). */
export function ownKeys(keys: Iterable<string>): string[] {
  return [...new Set(keys)].filter((k) => k !== MASTER_KEY_SENTINEL).sort();
}
