/**
 * Surviving mutants no test can tell apart from the code, keyed `<file>:<line>:<column> <mutator>`
 * as MUTATION.md names them, each with why. Every entry is a claim a reviewer checks.
 */
const PLAN = 'plugins/backup/retention/plan-retention.ts';
const ONE_TO_ONE = 'a bucket is only compared for equality with the previous one, and with `-` in place of `+` the formula stays one-to-one over real dates: the field subtracted (hour ≤ 23, day ≤ 31, month ≤ 12, ISO week ≤ 53) is smaller than the factor of 100 that separates it from the next field';

export const EQUIVALENT_MUTANTS: Record<string, string> = {
  [`${PLAN}:36:51 ArithmeticOperator`]: ONE_TO_ONE,
  [`${PLAN}:36:52 ArithmeticOperator`]: ONE_TO_ONE,
  [`${PLAN}:36:53 ArithmeticOperator`]: ONE_TO_ONE,
  [`${PLAN}:37:49 ArithmeticOperator`]: ONE_TO_ONE,
  [`${PLAN}:37:50 ArithmeticOperator`]: ONE_TO_ONE,
  [`${PLAN}:38:82 ArithmeticOperator`]: ONE_TO_ONE,
  [`${PLAN}:39:53 ArithmeticOperator`]: ONE_TO_ONE,
  [`${PLAN}:52:103 EqualityOperator`]: '`<=` differs from `<` only for two equal backup ids, and a backup id names one backup: the catalogue (backup_history) and the storage index key every backup by it',
  [`${PLAN}:67:13 ConditionalExpression`]: 'a counter at 0 was skipped above (`continue`), so here it is positive or -1 (unlimited); -1 decremented stays negative and never reaches 0, so it keeps every bucket either way',
  [`${PLAN}:67:13 EqualityOperator`]: 'the same: `left` is never 0 at this line, so `>= 0` and `> 0` agree',
  'plugins/backup/requests/request-payload.ts:34:43 StringLiteral': "Buffer.byteLength(payload, '') counts UTF-8 bytes as 'utf8' does: an empty encoding name falls back to UTF-8, Node's default",
  'plugins/backup/settings/copies.ts:56:21 StringLiteral': "the default of the destructured bucket is never used: split('/') always returns at least one element, and the filter keeps the first",
};
