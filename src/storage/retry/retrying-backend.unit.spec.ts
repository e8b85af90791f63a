import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../backend/storage-backend';
import { RetryingBackend } from './retrying-backend';

const KEYS = ['0a', '1b', '2c', '3d', '4e'].map((k) => k.repeat(32));
const cut = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

/** A backend whose listing is cut once, after `cutAfter` keys; records what each listing was asked. */
function listingCutOnce(inKeyOrder: boolean, cutAfter: number) {
  const asked: ({ startAfter?: string } | undefined)[] = [];
  let failed = false;
  const backend = {
    listsInKeyOrder: inKeyOrder,
    isPermanent: (error: unknown) => (error as { code?: string }).code !== 'ECONNRESET',
    async *list(options?: { startAfter?: string }) {
      asked.push(options);
      const keys = inKeyOrder && options?.startAfter ? KEYS.filter((k) => k > options.startAfter!) : KEYS;
      for (const [i, key] of keys.entries()) {
        if (!failed && i === cutAfter) {
          failed = true;
          throw cut();
        }
        yield key;
      }
    },
  } as unknown as StorageBackend;
  return { backend: new RetryingBackend(backend, { sleep: async () => undefined }), asked };
}

async function listAll(backend: StorageBackend): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of backend.list()) keys.push(key);
  return keys;
}

describe('RetryingBackend.list after a listing cut midway', () => {
  it('resumes after the last key given where the backend lists in key order: every key once, none held', async () => {
    const { backend, asked } = listingCutOnce(true, 2);
    expect(await listAll(backend)).toEqual(KEYS);
    expect(asked).toEqual([{}, { startAfter: KEYS[1] }]);
    expect(backend.listsInKeyOrder).toBe(true);
  });

  it('starts over, skipping the keys already given, where the backend lists in no order', async () => {
    const { backend, asked } = listingCutOnce(false, 2);
    expect(await listAll(backend)).toEqual(KEYS);
    expect(asked).toEqual([{}, {}]);
  });
});
