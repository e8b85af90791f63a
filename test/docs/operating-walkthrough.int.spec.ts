import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../src/host/host';
import { runCliCaptured } from '../support/cli';
import { cliEnv, createHostFixture, type HostFixture } from '../support/host-fixture';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The commands of README's "Operating it" block, one per line, comments dropped. */
function walkthrough(): string[] {
  const block = README.split('<!-- BEGIN walkthrough -->')[1]?.split('<!-- END walkthrough -->')[0] ?? '';
  return block.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('```')).map((l) => l.replace(/\s+#\s.*$/, '').trim());
}

describe("README's walk from install to a verified, drilled first backup and a running schedule", () => {
  let f: HostFixture;
  let host: Host | undefined;
  beforeAll(async () => {
    f = await createHostFixture('walk');
  });
  afterAll(() => f.cleanup());

  it('takes fewer than ten commands', () => {
    expect(walkthrough().length).toBeGreaterThan(5);
    expect(walkthrough().length).toBeLessThan(10);
  });

  it('every cotton-backup line does what its comment says, in order', async () => {
    const steps = walkthrough().filter((l) => l.startsWith('npx cotton-backup '));
    expect(steps.map((l) => l.split(' ')[2])).toEqual(['check', 'backup', 'verify', 'drill', 'serve', 'check']);
    const outcomes: string[] = [];
    for (const [i, line] of steps.entries()) {
      const command = line.split(' ').slice(2);
      if (command[0] === 'serve') {
        host = await f.startHost();
        outcomes.push(`serve: ${host.url ? 'serving' : 'not serving'}`);
        continue;
      }
      const run = await runCliCaptured(cliEnv(f), ...command);
      outcomes.push(`${command.join(' ')}: ${run.code}`);
      if (command[0] === 'verify') expect(run.stdout).toMatch(/: OK, \d+ chunks/);
      if (command[0] === 'drill') expect(run.stdout).toMatch(/PASSED/);
      if (command[0] === 'check' && i === steps.length - 1) expect(run.stdout).not.toMatch(/^(WARN|FAIL) /m);
    }
    // The first check warns (no schema yet, no schedules); after the host started, every line is ok.
    expect(outcomes).toEqual(['check: 10', 'backup: 0', 'verify: 0', 'drill: 0', 'serve: serving', 'check: 0']);
  });
});
