import { Readable } from 'node:stream';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { MAX_MANIFEST_BYTES, parseManifest, serializeManifest, type Manifest } from './manifest';
import { halves } from '../core/failpoints';
import { MAX_POINTER_BYTES, parsePointer, serializePointer, type Pointer } from './pointer';

export async function writeManifest(storage: ObjectStorage, manifest: Manifest): Promise<string> {
  const { bytes, storageKey } = serializeManifest(manifest);
  await storage.write(storageKey, bytes);
  return storageKey;
}

export async function readManifest(storage: ObjectStorage, storageKey: string): Promise<Manifest> {
  return parseManifest(await storage.readBuffer(storageKey, MAX_MANIFEST_BYTES), storageKey);
}

/**
 * The one read of the pointer: its bytes, parsed and zod-validated. Throws the storage's read
 * error or InvalidPointerError; every other pointer read builds on this one.
 */
export async function loadPointer(storage: ObjectStorage, pointerKey: string): Promise<Pointer> {
  return parsePointer(await storage.readBuffer(pointerKey, MAX_POINTER_BYTES));
}

/** loadPointer, plus undefined when no pointer was ever written. */
export async function readPointer(storage: ObjectStorage, pointerKey: string): Promise<Pointer | undefined> {
  if (!(await storage.exists(pointerKey))) return undefined;
  return loadPointer(storage, pointerKey);
}

/** Replaces the pointer atomically (rename over the old one): there is never a moment without one. */
export async function writePointer(storage: ObjectStorage, pointerKey: string, pointer: Pointer): Promise<void> {
  const bytes = serializePointer(pointer);
  // The first attempt can be stopped halfway by the fault suite; a retry writes the bytes whole.
  await storage.write(pointerKey, Readable.from(halves(bytes, 'backup.midPointerWrite')), { overwrite: true, replay: () => Readable.from([bytes]) });
}
