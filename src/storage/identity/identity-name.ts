/**
 * The identity record's name, at the folder root or the bucket prefix: outside Cotton's
 * `ab/cd/<60 hex>.ctn` shape, so Cotton's enumeration, its consistency job and its GC never see it
 * (COTTON.md §2, §7, §9). A content-addressed object under a fixed key would be listed by Cotton,
 * given a `chunks` row and collected as garbage a few days later.
 */
export const IDENTITY_NAME = 'cotton-backup-identity.json';
