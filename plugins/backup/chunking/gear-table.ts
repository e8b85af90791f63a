import { createHash } from 'node:crypto';

/**
 * The 256 gear values of the chunker. They are part of the on-disk contract: change one and every
 * chunk boundary moves, so deduplication against earlier backups is lost. Derived, not random:
 * gear[i] = first 4 bytes (LE) of SHA-256("cotton-backup gear " + i).
 */
export const GEAR: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    table[i] = createHash('sha256').update(`cotton-backup gear ${i}`).digest().readUInt32LE(0);
  }
  return table;
})();
