import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from './config';

export const DEV_MASTER_KEY_FILE = 'dev-master-key';

/**
 * The configured COTTON_MASTER_KEY, or a development key generated once into the data folder
 * (mode 0600) so that a first run needs no set-up. Backups under a generated key are only as
 * safe as that file: the warning says so every start.
 */
export async function resolveMasterKey(
  configured: string | undefined,
  dataPath: string,
  warn: (message: string) => void,
): Promise<string> {
  if (configured !== undefined) return configured;
  const file = join(dataPath, DEV_MASTER_KEY_FILE);
  let key: string;
  try {
    key = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dataPath, { recursive: true });
    key = randomBytes(24).toString('base64url'); // 32 characters
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  }
  if (key.length !== 32) {
    throw new ConfigError([`COTTON_MASTER_KEY: not set, and the development key in ${file} is not 32 characters`]);
  }
  warn(
    `COTTON_MASTER_KEY is not set: using the DEVELOPMENT key in ${file}. ` +
      'Anything stored is unreadable without that file. Set COTTON_MASTER_KEY for production.',
  );
  return key;
}
