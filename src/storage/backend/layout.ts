import { isStorageKey } from '../../keys/keys';
import { InvalidStorageKeyError } from './errors';

/**
 * Cotton's key layout (COTTON.md §2, §9), the one place both backends take it from: key `k` lives
 * at `<k[0:2]>/<k[2:4]>/<k[4:]>.ctn`, under the folder root or at the root of Cotton's bucket.
 */
export const OBJECT_EXTENSION = '.ctn';
const LAYOUT_NAME = /^([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{60})\.ctn$/;
const TWO_HEX = /^[0-9a-f]{2}$/;
const OBJECT_FILE = /^[0-9a-f]{60}\.ctn$/;

/** Keys are lowercase hex SHA-256 (64 chars); anything else is refused before touching storage. */
export function assertStorageKey(key: string): void {
  if (typeof key !== 'string' || !isStorageKey(key)) throw new InvalidStorageKeyError(key);
}

/** The three path segments of `key`: two folders and the file name. */
export function objectSegments(key: string): [string, string, string] {
  assertStorageKey(key);
  return [key.slice(0, 2), key.slice(2, 4), `${key.slice(4)}${OBJECT_EXTENSION}`];
}

/** `ab/cd/<rest>.ctn`, with `/` separators (an S3 object key, or a path relative to the root). */
export function objectName(key: string): string {
  return objectSegments(key).join('/');
}

/** The key a layout name stands for, or undefined when the name is not exactly of Cotton's shape. */
export function keyOfObjectName(name: string): string | undefined {
  const match = LAYOUT_NAME.exec(name);
  return match ? `${match[1]}${match[2]}${match[3]}` : undefined;
}

/** Cotton's enumeration, one level at a time: folder names of two hex digits. */
export function isLayoutFolder(name: string): boolean {
  return TWO_HEX.test(name);
}

/** Cotton's enumeration, last level: `<60 hex>.ctn`. */
export function isLayoutFile(name: string): boolean {
  return OBJECT_FILE.test(name);
}
