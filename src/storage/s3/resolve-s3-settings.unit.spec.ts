import { describe, expect, it } from 'vitest';
import type { S3Environment } from '../../config/config';
import { deriveMasterEncryptionKey } from '../../keys/keys';
import { encryptCtn2 } from '../ctn2/encrypt';
import { resolveS3Settings } from './resolve-s3-settings';

const key = deriveMasterEncryptionKey('0123456789abcdef0123456789abcdef');
const none: S3Environment = { forcePathStyle: true };
const cotton = {
  storageType: 1,
  endpoint: 'https://s3.example.test',
  region: 'eu-central-1',
  accessKeyId: 'COTTONKEY',
  bucket: 'cotton-files',
  secretEncrypted: encryptCtn2(Buffer.from('cotton-secret'), { masterKey: key }).toString('base64'),
};

describe('resolveS3Settings', () => {
  it('the folder when neither our bucket nor Cotton says S3', () => {
    expect(resolveS3Settings(none, undefined, key)).toBeUndefined();
    expect(resolveS3Settings(none, { ...cotton, storageType: 0 }, key)).toBeUndefined();
  });

  it("Cotton's bucket from server_settings, the secret decrypted, no prefix, names pointing at Cotton's columns", () => {
    const s = resolveS3Settings(none, cotton, key)!;
    expect(s).toMatchObject({ endpoint: cotton.endpoint, region: 'eu-central-1', bucket: 'cotton-files', accessKeyId: 'COTTONKEY', secretAccessKey: 'cotton-secret', prefix: '', forcePathStyle: true });
    expect(s.names.bucket).toBe('server_settings.s3_bucket_name');
    expect(s.names.secretAccessKey).toBe('server_settings.s3_secret_access_key_encrypted');
  });

  it('each variable overrides its column', () => {
    const s = resolveS3Settings({ ...none, endpoint: 'http://127.0.0.1:9000', secretAccessKey: 'ours' }, cotton, key)!;
    expect(s.endpoint).toBe('http://127.0.0.1:9000');
    expect(s.secretAccessKey).toBe('ours');
    expect(s.bucket).toBe('cotton-files');
    expect(s.names.endpoint).toBe('COTTON_STORAGE_S3_ENDPOINT');
  });

  it('our variables alone (a startup restore into an empty database) name every missing one', () => {
    expect(() => resolveS3Settings({ ...none, bucket: 'ours' }, undefined, key)).toThrow(
      'S3 storage needs COTTON_STORAGE_S3_ACCESS_KEY_ID, COTTON_STORAGE_S3_SECRET_ACCESS_KEY',
    );
    expect(resolveS3Settings({ ...none, bucket: 'ours', accessKeyId: 'a', secretAccessKey: 'b', prefix: 'copies/' }, undefined, key)).toMatchObject({ prefix: 'copies/', region: 'us-east-1' });
  });

  it('refuses S3 variables without a bucket, and never echoes a secret', () => {
    const error = (() => {
      try {
        resolveS3Settings({ ...none, secretAccessKey: 'hunter2-secret' }, undefined, key);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toBe("COTTON_STORAGE_S3_SECRET_ACCESS_KEY set without COTTON_STORAGE_S3_BUCKET, and Cotton's storage is not S3: set the bucket, or unset them");
  });

  it("a secret that does not decrypt names the column and the master key, not the value", () => {
    expect(() => resolveS3Settings(none, { ...cotton, secretEncrypted: 'bm90IGEgY29udGFpbmVy' }, key)).toThrow(
      /^cannot decrypt server_settings\.s3_secret_access_key_encrypted under the master key \(CTN2_\w+\)/,
    );
  });
});
