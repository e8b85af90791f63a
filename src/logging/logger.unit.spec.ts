import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED, SecretRedactor } from './logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination: destination as unknown as NodeJS.WritableStream & { write(s: string): boolean } };
}

const PASSWORD = 'pg-pass"word\\1';
const MASTER = 'M'.repeat(16) + 'a'.repeat(16);
const TOKEN = 'admin-token-abcdefghij';

describe('createLogger', () => {
  it('redacts secret fields by path and literal secrets anywhere in a line', () => {
    const { lines, destination } = capture();
    const redactor = new SecretRedactor([PASSWORD, TOKEN]);
    const logger = createLogger({ level: 'info', secrets: redactor, destination });
    redactor.add(MASTER); // known later, still redacted
    logger.info({ config: { database: { password: 'other-secret-value' } }, authorization: 'Bearer x' }, 'fields');
    logger.info(`connecting with ${PASSWORD} and key ${MASTER}`);
    logger.error({ err: new Error(`token ${TOKEN} rejected`) }, 'failed');
    logger.info({ nested: { deep: [MASTER] } }, 'nested');
    const text = lines.join('');
    expect(lines).toHaveLength(4);
    for (const secret of [PASSWORD, JSON.stringify(PASSWORD).slice(1, -1), MASTER, TOKEN, 'other-secret-value', 'Bearer x']) {
      expect(text).not.toContain(secret);
    }
    expect(text.split(REDACTED).length - 1).toBeGreaterThanOrEqual(6);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('honours the level', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'warn', destination });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
  });

  it('ignores secrets too short to redact meaningfully', () => {
    const redactor = new SecretRedactor(['ab', undefined]);
    expect(redactor.scrub('abc')).toBe('abc');
  });
});

describe('createLogger, format text', () => {
  it('writes one line per entry: ISO time, level name, message, fields; errors by message; secrets still redacted', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', format: 'text', secrets: [PASSWORD], destination });
    logger.child({ plugin: 'backup' }).info({ backupId: 'b1', bytes: 1234, outcome: 'succeeded' }, 'backup finished');
    logger.error({ err: new Error(`refused by ${PASSWORD}\nsecond line`), target: 'off site' }, 'copy failed');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  backup finished plugin=backup backupId=b1 bytes=1234 outcome=succeeded\n$/);
    expect(lines[1]).toMatch(/^\S+Z ERROR copy failed err="refused by \[REDACTED\]\\nsecond line" target="off site"\n$/);
    expect(lines.join('')).not.toContain('stack');
  });

  it('is JSON by default, as before', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'info', destination }).info('plain');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, msg: 'plain', time: expect.any(Number) });
  });
});
