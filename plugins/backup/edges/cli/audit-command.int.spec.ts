import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../src/cli/program';
import { cliEnv, connect, createHostFixture, eventsOfType, waitUntil, type HostFixture } from '../../../../test/support/host-fixture';

const CONTROL_BUT_LINE_FEED = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('cotton-backup audit after a hostile NOTIFY', () => {
  let f: HostFixture;
  const run = async (...args: string[]) => {
    let stdout = '';
    const out = new Writable({ write: (c, _e, done) => ((stdout += String(c)), done()) });
    const err = new Writable({ write: (_c, _e, done) => done() });
    const code = await runCli(['node', 'cotton-backup', ...args], { env: cliEnv(f), stdout: out, stderr: err });
    return { code, stdout };
  };

  beforeAll(async () => {
    f = await createHostFixture('auditesc');
    await f.startHost();
  });
  afterAll(() => f.cleanup());

  it('prints terminal escapes from a reason as visible text, in text and in JSON', async () => {
    const c = await connect(f.db);
    try {
      await c.query('SELECT pg_notify($1, $2)', ['cotton_backup', JSON.stringify({ reason: 'x\u001b[2J\u001b]0;owned\u0007\u009b1m' })]);
      await c.query('SELECT pg_notify($1, $2)', ['cotton_backup', 'junk \u001b[31m']);
    } finally {
      await c.end();
    }
    await waitUntil(async () => (await eventsOfType(f.db.pool, 'RequestRejected')).length >= 1 && (await eventsOfType(f.db.pool, 'BackupRequested')).length >= 1, 'both NOTIFYs');
    const text = await run('audit', '--limit', '50');
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(CONTROL_BUT_LINE_FEED);
    expect(text.stdout).toContain('x\\x1b[2J\\x1b]0;owned\\x07\\x9b1m');
    expect(text.stdout).toContain('junk \\x1b[31m');
    const json = await run('audit', '--limit', '50', '--json');
    expect(json.code).toBe(0);
    expect(json.stdout).not.toMatch(CONTROL_BUT_LINE_FEED);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('\\u001b[2J');
  });
});
