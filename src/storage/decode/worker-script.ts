import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let fromSources: URL | undefined;

/**
 * The decode worker's script. Compiled (dist/), it is the .js beside this file. Run from the
 * sources (tests, tsx), the .ts is bundled once per process with esbuild into a temp file named
 * by its content: a worker started under tsx's loader takes ~0.5 s, a bundled one milliseconds.
 */
export function decodeWorkerScript(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./decode-worker.js', import.meta.url);
  fromSources ??= bundleFromSources();
  return fromSources;
}

function bundleFromSources(): URL {
  // A dev-time path only: the compiled product never reaches it.
  const esbuild = process.getBuiltinModule('module').createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const entry = fileURLToPath(new URL('./decode-worker.ts', import.meta.url));
  const { outputFiles } = esbuild.buildSync({ entryPoints: [entry], bundle: true, packages: 'external', format: 'esm', platform: 'node', target: 'node24', write: false });
  const code = outputFiles[0]!.contents;
  const path = join(tmpdir(), `cotton-decode-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(path)) {
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, code);
    renameSync(temp, path);
  }
  return pathToFileURL(path);
}
