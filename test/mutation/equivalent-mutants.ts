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
  {
    file: 'plugins/backup/drills/scratch-database.ts', mutator: 'StringLiteral', replacement: '``', line: 'const prefix = `${source.slice(0, MAX_NAME',
    why: 'the prefix only narrows the rows PostgreSQL returns: every row is then checked against the exact name and the marker, so with an empty prefix the same leftovers are found among more rows',
  },
];
