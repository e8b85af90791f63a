import { CliError } from '../../../../src/cli/errors';

/** A byte count as the commands print it, e.g. "12.5 MiB". */
export const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

/** A commander option parser for a count such as --limit. */
export function positiveInt(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new CliError(`${name} must be a whole number from 1 to 100000, got "${value}"`);
    return n;
  };
}
