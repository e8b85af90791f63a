import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { isStorageKey } from '../keys/keys';
import type { ObjectStorage } from '../storage/object-storage';
import { createContentCheck } from './content-check';
import { CliError } from './errors';
import { writeJsonDocument, writeOutput } from './output';
import type { CliRuntime } from './runtime';

/** `cotton-backup storage put|get|ls`: operator tools on Cotton's storage pipeline. */
export function registerStorageCommands(program: Command, runtime: CliRuntime): void {
  const storage = program.command('storage').description("read and write objects in Cotton's encrypted storage (COTTON_STORAGE_PATH)");

  storage
    .command('put')
    .argument('<file>', 'file to store')
    .description("store a file as one object; prints its key, the SHA-256 of the file's content")
    .option('--json', 'print {"key": …} as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const key = await putFile(await runtime.storage({ write: true }), file);
      if (opts.json) writeJsonDocument(runtime.stdout, { key });
      else runtime.stdout.write(`${key}\n`);
    });

  storage
    .command('get')
    .argument('<key>', 'object key (64 lowercase hex characters)')
    .description('write the plaintext of an object to stdout')
    .action(async (key: string) => {
      if (!isStorageKey(key)) throw new CliError(`not a storage key: expected 64 lowercase hex characters (a SHA-256), got ${key.length} characters`);
      const store = await runtime.storage();
      if (!(await store.exists(key))) throw new CliError(`no object with key ${key} in the storage`);
      // Checked while streaming (objects can be larger than memory): a mismatch is known only at
      // the end, when the bytes are already out, so it fails the command rather than hides them.
      const check = createContentCheck(key, await runtime.masterEncryptionKey());
      if (!(await writeOutput(runtime.stdout, await store.read(key), check.stream))) return;
      const actual = check.mismatch();
      if (actual !== undefined) {
        throw new CliError(
          `object ${key} does not hold its content: the bytes written hash to ${actual}, not to the key. ` +
            'The object file was damaged or swapped; do not use the output.',
        );
      }
    });

  storage
    .command('ls')
    .description('list the keys of every object, one a line; with --json each with its stored size in bytes')
    .option('--json', 'print [{"key": …, "bytes": …}] as JSON')
    .action(async (opts: { json?: boolean }) => {
      const store = await runtime.storage();
      await writeOutput(runtime.stdout, opts.json ? jsonObjects(store) : keyLines(store));
    });
}

async function* keyLines(store: ObjectStorage): AsyncGenerator<string> {
  for await (const key of store.list()) yield `${key}\n`;
}

/**
 * One JSON array, written an object at a time (a storage can hold millions of objects, more than
 * is worth holding in memory); an object deleted between the listing and its stat is left out.
 */
async function* jsonObjects(store: ObjectStorage): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const key of store.list()) {
    const bytes = await store.size(key);
    if (bytes === undefined) continue;
    yield `${first ? '\n' : ',\n'}  ${JSON.stringify({ key, bytes })}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}

/**
 * Stores a file under the SHA-256 of its content without holding it in memory: a first pass
 * hashes, a second streams it into the pipeline while hashing again. If the file changed between
 * the passes the object would sit under the wrong key, so it is deleted and the command fails.
 */
export async function putFile(storage: ObjectStorage, file: string): Promise<string> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  if (!info.isFile()) throw new CliError(`${file} is not a regular file`);
  const key = await hashFile(file);
  const second = createHash('sha256');
  async function* tapped(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(file)) {
      second.update(chunk as Buffer);
      yield chunk as Buffer;
    }
  }
  const result = await storage.write(key, Readable.from(tapped()));
  if (result.written && second.digest('hex') !== key) {
    await storage.delete(key);
    throw new CliError(`${file} changed while it was being stored; nothing was kept, try again`);
  }
  return key;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
