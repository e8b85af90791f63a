/**
 * Surviving mutants no test can tell apart from the code, each with why: every entry is a claim a
 * reviewer checks. Matched by file, mutator, Stryker's replacement and a piece of the mutated
 * line, not by line number, so an edit elsewhere in the file does not silently drop an entry.
 */
export interface EquivalentMutant {
  file: string;
  mutator: string;
  replacement: string;
  /** Text of the source line the mutant is on (a part of it that tells it apart). */
  line: string;
  why: string;
}

const INDEX = 'plugins/backup/repository/backup-index.ts';
const UTF8 = "Buffer.from(string, '') encodes UTF-8 as 'utf8' does: an empty encoding name falls back to Node's default, UTF-8";
const CONTENT_ADDRESSED = 'a manifest is stored under the SHA-256 of its own bytes, so its previous link cannot lead back to itself or to a later one (that would need a hash cycle): the walk ends at a missing link, a manifest without one, or an unreadable one, guard or no guard';
const LONG_CHAIN = 'the walk also stops at INDEX_SIZE to bound its reads; one manifest more, or a walk to the first backup, is cut to INDEX_SIZE by writeBackupIndex all the same, so the index written is the same';
const walk = (mutator: string, replacement: string, why: string): EquivalentMutant => ({ file: INDEX, mutator, replacement, line: 'while (next && !found.has(next) && found.size < INDEX_SIZE)', why });

const PLAN = 'plugins/backup/retention/plan-retention.ts';
const ONE_TO_ONE = 'a bucket is only compared for equality with the previous one, and with `-` in place of `+` the formula stays one-to-one over real dates: the field subtracted (hour ≤ 23, day ≤ 31, month ≤ 12, ISO week ≤ 53) is smaller than the factor of 100 that separates it from the next field';
const bucket = (line: string, replacement: string): EquivalentMutant => ({ file: PLAN, mutator: 'ArithmeticOperator', replacement, line, why: ONE_TO_ONE });

export const EQUIVALENT_MUTANTS: EquivalentMutant[] = [
  bucket("rule: 'hourly'", '((t.year * 100 + t.month) * 100 + t.day) * 100 - t.hour'),
  bucket("rule: 'hourly'", '(t.year * 100 + t.month) * 100 - t.day'),
  bucket("rule: 'hourly'", 't.year * 100 - t.month'),
  bucket("rule: 'daily'", '(t.year * 100 + t.month) * 100 - t.day'),
  bucket("rule: 'daily'", 't.year * 100 - t.month'),
  bucket("rule: 'weekly'", 'w.year * 100 - w.week'),
  bucket("rule: 'monthly'", 't.year * 100 - t.month'),
  {
    file: PLAN, mutator: 'EqualityOperator', replacement: 'a.backupId <= b.backupId', line: 'const sorted = [...inputs.backups].sort(',
    why: '`<=` differs from `<` only for two equal backup ids, and a backup id names one backup: the catalogue (backup_history) and the storage index key every backup by it',
  },
  {
    file: PLAN, mutator: 'ConditionalExpression', replacement: 'true', line: 'if (c.left > 0) c.left -= 1;',
    why: 'a counter at 0 was skipped above (`continue`), so here it is positive or -1 (unlimited); -1 decremented stays negative and never reaches 0, so it keeps every bucket either way',
  },
  {
    file: PLAN, mutator: 'EqualityOperator', replacement: 'c.left >= 0', line: 'if (c.left > 0) c.left -= 1;',
    why: 'the same: `left` is never 0 at this line, so `>= 0` and `> 0` agree',
  },
  {
    file: 'plugins/backup/requests/request-payload.ts', mutator: 'StringLiteral', replacement: '""', line: "Buffer.byteLength(payload, 'utf8')",
    why: "Buffer.byteLength(payload, '') counts UTF-8 bytes as 'utf8' does: an empty encoding name falls back to UTF-8, Node's default",
  },
  {
    file: 'plugins/backup/settings/copies.ts', mutator: 'StringLiteral', replacement: '""', line: "const [bucket = '', ...segments]",
    why: "the default of the destructured bucket is never used: split('/') always returns at least one element, and the filter keeps the first",
  },
  { file: 'plugins/backup/repository/pointer.ts', mutator: 'StringLiteral', replacement: '""', line: "return Buffer.from(JSON.stringify(pointer), 'utf8');", why: UTF8 },
  { file: INDEX, mutator: 'StringLiteral', replacement: '""', line: "logicalKey: 'database.ctn.index', manifests }), 'utf8');", why: UTF8 },
  {
    file: INDEX, mutator: 'ArrayDeclaration', replacement: '["Stryker was here"]', line: 'candidates: readonly IndexEntry[] = [],',
    why: 'a candidate that is not an entry has no manifest key: its manifest read fails, and presentManifests skips it as it skips any candidate whose manifest is gone',
  },
  walk('LogicalOperator', 'next || !found.has(next)', CONTENT_ADDRESSED),
  walk('ConditionalExpression', 'true', `${CONTENT_ADDRESSED}; ${LONG_CHAIN}`),
  walk('LogicalOperator', 'next && !found.has(next) || found.size < INDEX_SIZE', CONTENT_ADDRESSED),
  walk('EqualityOperator', 'found.size <= INDEX_SIZE', LONG_CHAIN),
  {
    file: 'plugins/backup/drills/scratch-database.ts', mutator: 'StringLiteral', replacement: '``', line: 'const prefix = `${source.slice(0, MAX_NAME',
    why: 'the prefix only narrows the rows PostgreSQL returns: every row is then checked against the exact name and the marker, so with an empty prefix the same leftovers are found among more rows',
  },
];
