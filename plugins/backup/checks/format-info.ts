import type { BackupInfo } from './backup-info';

const mib = (n: number | null) => (n === null ? '?' : `${(n / 1048576).toFixed(1)} MiB`);
const seconds = (ms: number | null) => (ms === null ? '?' : `${(ms / 1000).toFixed(1)} s`);

/** `cotton-backup info` as text: a block per backup, newest first. */
export function formatInfo(backups: readonly BackupInfo[]): string {
  if (backups.length === 0) return 'no completed backup yet: `cotton-backup backup` takes one\n';
  const lines: string[] = [];
  for (const b of backups) {
    lines.push(`${b.backupId}  ${b.createdAt}${b.origin === 'foreign' ? '  (Cotton\'s own)' : ''}`);
    lines.push(`  size      ${mib(b.dumpBytes)} dump, ${mib(b.storedBytes)} written; took ${seconds(b.durationMs)}`);
    lines.push(`  held on   ${b.heldOn.join(', ') || 'nothing any more'}`);
    lines.push(`  retention ${b.retention}${b.keptBy.length ? ` by ${b.keptBy.join(', ')}` : ''}`);
    lines.push(`  verified  ${b.verifiedAt ?? 'never'}; drilled ${b.drilledAt ?? 'never'}`);
    lines.push(`  restore   ${b.restore ?? '(not restorable: no storage holds it)'}`);
  }
  return `${lines.join('\n')}\n`;
}
