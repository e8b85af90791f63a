import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configVariables } from '../../scripts/config-variables';
import { EXIT_CODES } from '../../src/contract/exit-codes';

const repo = new URL('../../', import.meta.url);

/** Every `COTTON_*` (and `AWS_*`, the copy targets' S3 variables) variable named in the first column of a README table. */
function documentedVariables(): string[] {
  const readme = readFileSync(new URL('README.md', repo), 'utf8');
  return [...readme.matchAll(/^\|\s*`((?:COTTON|AWS)_[A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]!);
}

describe("README's configuration tables", () => {
  it('document every variable of the host and of every plugin, and nothing else', async () => {
    const documented = documentedVariables();
    const known = await configVariables();
    expect(known.filter((v) => !documented.includes(v)), 'missing from the README').toEqual([]);
    expect(documented.filter((v) => !known.includes(v)), 'documented but unknown to every schema').toEqual([]);
  });
});

describe("README's exit-code table", () => {
  it('is the table of src/contract/exit-codes.ts, row for row', () => {
    const readme = readFileSync(new URL('README.md', repo), 'utf8');
    const block = readme.split('<!-- BEGIN exit codes -->')[1]?.split('<!-- END exit codes -->')[0] ?? '';
    const rows = [...block.matchAll(/^\|\s*(\d+)\s*\|\s*(.+?)\s*\|$/gm)].map((m) => [Number(m[1]), m[2]]);
    expect(rows).toEqual(Object.values(EXIT_CODES).map((c) => [c.exitCode, c.meaning]));
  });
});
