import { describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import { ConfigError, loadConfig } from '../../../src/config/config';
import { backupSettingsOf, backupSettingsOwner } from './backup-settings';
import { createBackupServices } from '../runtime/services';
import { MemoryStorage } from '../../../test/host/memory-storage';
import { parseCopyTarget } from './copies';

const AWS = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'aws-secret-value-1234' };

/** Every refusal, the way the host meets them: the plugin's schema at load, then the plugin's services at register. */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    const config = loadConfig(env, [backupSettingsOwner]);
    createBackupServices({ config, pool: {} as Pool, storage: new MemoryStorage(), masterEncryptionKey: Buffer.alloc(32), clock: { now: () => new Date() } });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('copy targets (COTTON_BACKUP_COPIES)', () => {
  it('parses folder and S3 targets, named by their URL unless given a name', () => {
    const env = { ...AWS, COTTON_STORAGE_PATH: '/srv/files', COTTON_BACKUP_COPIES: 'file:///mnt/disk2/cotton/, offsite=s3://bucket-1/a/b', AWS_ENDPOINT_URL: 'http://127.0.0.1:9000' };
    const config = loadConfig(env, [backupSettingsOwner]);
    const copies = backupSettingsOf(config).copies;
    expect(copies.targets).toEqual([
      { name: 'file:///mnt/disk2/cotton', kind: 'folder', url: 'file:///mnt/disk2/cotton', path: '/mnt/disk2/cotton' },
      { name: 'offsite', kind: 's3', url: 's3://bucket-1/a/b', bucket: 'bucket-1', prefix: 'a/b/' },
    ]);
    expect(copies.aws.endpoint).toBe('http://127.0.0.1:9000');
    const services = createBackupServices({ config, pool: {} as Pool, storage: new MemoryStorage(), masterEncryptionKey: Buffer.alloc(32), clock: { now: () => new Date() } });
    expect(services.backup.secrets).toContain(AWS.AWS_SECRET_ACCESS_KEY);
  });

  it('AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL, as in the SDK', () => {
    const config = loadConfig({ ...AWS, COTTON_BACKUP_COPIES: 's3://b-1', AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_S3: 'http://b:2' }, [backupSettingsOwner]);
    expect(backupSettingsOf(config).copies.aws.endpoint).toBe('http://b:2');
  });

  it('no variable: no targets', () => {
    expect(backupSettingsOf(loadConfig({}, [backupSettingsOwner])).copies.targets).toEqual([]);
  });

  it.each([
    ['relative/path', 'expected a file:///absolute/path or s3://bucket[/prefix] URL'],
    ['file://relative', 'expected file:///absolute/path'],
    ['s3://No_Such', 'with an S3 bucket name'],
    ['s3://bucket-1/a b', 'the prefix takes folder names'],
    ['Bad Name=s3://bucket-1', 'target name "Bad Name"'],
  ])('refuses %s, saying why', (entry, expected) => {
    const found = problems({ ...AWS, COTTON_BACKUP_COPIES: entry });
    expect(found.join('\n')).toContain(expected);
    expect(found[0]).toMatch(/^COTTON_BACKUP_COPIES: /);
  });

  it('refuses a target equal to or inside the primary storage root, naming it', () => {
    expect(problems({ COTTON_STORAGE_PATH: '/srv/files', COTTON_BACKUP_COPIES: 'file:///srv/files/' })).toEqual([
      'COTTON_BACKUP_COPIES: target file:///srv/files: is the primary storage root /srv/files or inside it: a copy must live somewhere else',
    ]);
    expect(problems({ COTTON_STORAGE_PATH: '/srv/files', COTTON_BACKUP_COPIES: 'inner=file:///srv/files/copies' })[0]).toContain('target inner: is the primary storage root');
    expect(problems({ COTTON_STORAGE_PATH: '/srv/files', COTTON_BACKUP_COPIES: 'file:///srv/files-copy' })).toEqual([]);
  });

  it('refuses an S3 target in the primary bucket, and one without credentials', () => {
    const primary = { ...AWS, COTTON_STORAGE_S3_BUCKET: 'main-bucket', COTTON_STORAGE_S3_ACCESS_KEY_ID: 'x', COTTON_STORAGE_S3_SECRET_ACCESS_KEY: 'yyyyy' };
    expect(problems({ ...primary, COTTON_BACKUP_COPIES: 's3://main-bucket/copies' })[0]).toContain("is the primary storage's bucket");
    expect(problems({ ...primary, COTTON_BACKUP_COPIES: 's3://other-bucket' })).toEqual([]);
    expect(problems({ COTTON_BACKUP_COPIES: 's3://other-bucket' })).toEqual([
      'COTTON_BACKUP_COPIES: target s3://other-bucket: an S3 target needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    ]);
  });

  it('refuses a target listed twice', () => {
    expect(problems({ COTTON_BACKUP_COPIES: 'file:///a,file:///a/' }).join()).toContain('target file:///a listed twice');
  });

  it('never echoes a secret in a problem', () => {
    expect(JSON.stringify(problems({ AWS_SECRET_ACCESS_KEY: 'aws-secret-value-1234', COTTON_BACKUP_COPIES: 's3://x' }))).not.toContain('aws-secret-value');
    expect(typeof parseCopyTarget('s3://bucket-1')).toBe('object');
    const withCredentials = problems({ COTTON_BACKUP_COPIES: 's3://AKIA:s3cr3t-in-url@bucket-1/x' });
    expect(withCredentials[0]).toContain('no credentials in the URL');
    expect(JSON.stringify(withCredentials)).not.toContain('s3cr3t-in-url');
  });
});

// Mutation testing (MUTATION.md) showed these edges of the parser and the numeric settings
// unchecked: an operator's typo must be refused naming it, and a good value must not be.
describe('copy target entries at their edges', () => {
  const refused = (entry: string) => {
    const parsed = parseCopyTarget(entry);
    expect(typeof parsed, `${entry} should be refused`).toBe('string');
    return parsed as string;
  };

  it('names: a leading "=" is no name; 1 and 40 characters accepted, 41 or a leading "-" refused', () => {
    expect(refused('=file:///mnt/x')).toMatch(/^=file:\/\/\/mnt\/x: expected a file/);
    expect(parseCopyTarget('a=file:///mnt/x')).toMatchObject({ name: 'a' });
    expect(parseCopyTarget(`${'a'.repeat(40)}=file:///mnt/x`)).toMatchObject({ name: 'a'.repeat(40) });
    expect(refused(`${'a'.repeat(41)}=file:///mnt/x`)).toMatch(/^target name "a{41}": expected lowercase/);
    expect(refused('-x=file:///mnt/x')).toMatch(/^target name "-x"/);
    expect(refused('x!=file:///mnt/x')).toMatch(/^target name "x!"/);
  });

  it('credentials in any scheme\'s URL are refused without echoing them', () => {
    const problem = refused('s3://key:secret@bucket-1/p');
    expect(problem).toBe('s3://***@bucket-1/p: no credentials in the URL (S3 targets take AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)');
    expect(refused('off=ftp://u@host/x')).toMatch(/^ftp:\/\/\*\*\*@host\/x: no credentials/);
    expect(refused('xfile:///mnt/x')).toMatch(/expected a file:\/\/\/absolute\/path or s3:\/\/bucket/);
  });

  it('folders: trailing slashes dropped but "/" kept, relative paths and NUL refused', () => {
    expect(parseCopyTarget('file:///mnt/x//')).toMatchObject({ path: '/mnt/x', url: 'file:///mnt/x' });
    expect(parseCopyTarget('file:///')).toMatchObject({ path: '/' });
    expect(refused('file://relative/x')).toBe('file://relative/x: expected file:///absolute/path');
    expect(refused('file:///mnt/a%00b')).toBe('file:///mnt/a%00b: expected file:///absolute/path');
  });

  it('buckets: 3 to 63 characters of S3\'s alphabet; empty prefix folders dropped, bad ones refused', () => {
    expect(parseCopyTarget('s3://abc')).toMatchObject({ bucket: 'abc', prefix: '' });
    expect(parseCopyTarget(`s3://${'b'.repeat(63)}`)).toMatchObject({ bucket: 'b'.repeat(63) });
    for (const bad of ['s3://ab', `s3://${'b'.repeat(64)}`, 's3://-abc', 's3://abc-', 's3://Abc', 's3:///abc']) expect(refused(bad)).toMatch(/expected s3:\/\/bucket\[\/prefix\] with an S3 bucket name$/);
    expect(parseCopyTarget('s3://bucket-1//a//b/')).toMatchObject({ url: 's3://bucket-1/a/b', prefix: 'a/b/' });
    expect(refused('s3://bucket-1/a b')).toMatch(/the prefix takes folder names/);
  });

  it('attempts, concurrency and hours at their bounds', () => {
    const base = { ...AWS, COTTON_STORAGE_PATH: '/srv/files' };
    const settings = (env: Record<string, string>) => backupSettingsOf(loadConfig({ ...base, ...env }, [backupSettingsOwner])).copies;
    expect(settings({ COTTON_BACKUP_COPY_CONCURRENCY: '32', COTTON_BACKUP_COPY_ATTEMPTS: '10' })).toMatchObject({ concurrency: 32, attempts: 10 });
    expect(settings({ COTTON_BACKUP_COPY_CONCURRENCY: '1', COTTON_BACKUP_COPY_ATTEMPTS: '1' })).toMatchObject({ concurrency: 1, attempts: 1 });
    expect(settings({})).toMatchObject({ concurrency: 4, attempts: 4, alertAfterMs: 48 * 3_600_000, pruneGraceMs: 24 * 3_600_000 });
    expect(settings({ COTTON_BACKUP_COPY_ALERT_AFTER: '99999h', COTTON_BACKUP_COPY_PRUNE_GRACE: '0h' })).toMatchObject({ alertAfterMs: 99999 * 3_600_000, pruneGraceMs: 0 });
    const bad = problems({ ...base, COTTON_BACKUP_COPY_CONCURRENCY: '33', COTTON_BACKUP_COPY_ATTEMPTS: '11', COTTON_BACKUP_COPY_ALERT_AFTER: '100000h', COTTON_BACKUP_COPY_PRUNE_GRACE: 'x1h' });
    expect(bad.map((p) => p.split(':')[0]).sort()).toEqual(['COTTON_BACKUP_COPY_ALERT_AFTER', 'COTTON_BACKUP_COPY_ATTEMPTS', 'COTTON_BACKUP_COPY_CONCURRENCY', 'COTTON_BACKUP_COPY_PRUNE_GRACE']);
    for (const h of ['48', 'h', '1hh', '1.5h']) expect(problems({ ...base, COTTON_BACKUP_COPY_ALERT_AFTER: h }), h).toEqual([expect.stringMatching(/^COTTON_BACKUP_COPY_ALERT_AFTER: expected a number of hours such as 48h/)]);
  });

  it('the S3 endpoint must be http(s)', () => {
    const base = { ...AWS, COTTON_STORAGE_PATH: '/srv/files' };
    for (const v of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
      expect(problems({ ...base, [v]: 'ftp://127.0.0.1:9000' }).map((p) => p.split(':')[0])).toEqual([v]);
      expect(problems({ ...base, [v]: 'xhttp://127.0.0.1:9000' }).map((p) => p.split(':')[0])).toEqual([v]);
      expect(problems({ ...base, [v]: 'https://s3.example.com' })).toEqual([]);
    }
  });
});
