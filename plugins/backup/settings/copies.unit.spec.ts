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
