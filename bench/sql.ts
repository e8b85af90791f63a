/**
 * The bench backs one source database up into many storage roots (a fresh one per round, one per
 * chunk size): before each backup it forgets the storage the database recorded, so that the
 * backup binds its root as a first backup binds a new storage (plugins/backup/storage-identity)
 * instead of being refused as a mistyped path.
 */
export const FORGET_STORAGE_IDENTITY = `DELETE FROM cotton_backup.storage_identity WHERE slot = 'primary'`;
