// Compiles src/ and plugins/ into dist/ (one .js file per .ts file, same layout), so the CLI and
// the host start without compiling TypeScript at run time. Runs from `npm ci` (prepare), and
// from bin/cotton-backup.js whenever a source is newer than the last build.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** Folders compiled into dist/ under the same names. */
export const SOURCE_FOLDERS = ['src', 'plugins'];
/** Written last: the newest source mtime the build saw (ms), so an edit during a build still counts as newer. */
const STAMP = join(DIST, '.build-stamp');

const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts');

/** Every compiled source file (absolute paths) and the newest mtime among them and their folders. */
export function scanSources() {
  const files = [];
  let newest = 0;
  const walk = (dir) => {
    const info = statSync(dir);
    newest = Math.max(newest, info.mtimeMs); // a deleted or renamed file changes its folder's mtime
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (isSource(entry.name)) {
        files.push(path);
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  for (const folder of SOURCE_FOLDERS) walk(join(ROOT, folder));
  return { files, newest };
}

/** True when dist/ is missing or older than a source. */
export function isStale() {
  let built;
  try {
    built = Number(readFileSync(STAMP, 'utf8'));
  } catch {
    return true;
  }
  return !(scanSources().newest <= built);
}

// Imports stay extensionless in the sources (the style rule); Node's ESM loader needs the file.
function relativeImportsToJs() {
  return {
    name: 'relative-imports-to-js',
    setup(build) {
      build.onResolve({ filter: /^\.\.?(\/|$)/ }, (args) => {
        const base = resolve(args.resolveDir, args.path);
        if (existsSync(`${base}.ts`)) return { path: `${args.path}.js`, external: true };
        if (existsSync(join(base, 'index.ts'))) return { path: `${args.path}/index.js`, external: true };
        return { errors: [{ text: `cannot resolve ${args.path} from ${relative(ROOT, args.importer)}` }] };
      });
    },
  };
}

/** How every file is compiled into dist/ (one .js per .ts, the same layout, imports kept as imports). */
export function compileOptions(entryPoints) {
  return {
    entryPoints,
    outbase: ROOT,
    outdir: DIST,
    bundle: true,
    packages: 'external',
    plugins: [relativeImportsToJs()],
    format: 'esm',
    platform: 'node',
    target: 'node24',
    logLevel: 'warning',
  };
}

/** Builds dist/; each file is replaced atomically, so a concurrent build or a running process never reads half a file. */
export async function build() {
  const { build: esbuild } = await import('esbuild');
  const { files, newest } = scanSources();
  const result = await esbuild({ ...compileOptions(files), sourcemap: 'linked', write: false });
  const outputs = new Set();
  for (const file of result.outputFiles) {
    outputs.add(file.path);
    mkdirSync(dirname(file.path), { recursive: true });
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
  for (const folder of SOURCE_FOLDERS) removeOrphans(join(DIST, folder), outputs);
  // Plugins find their SQL next to themselves (`../../migrations/<plugin>` from the plugin's root), compiled or not.
  const migrations = join(DIST, 'migrations');
  if (!existsSync(migrations)) {
    try {
      symlinkSync('../migrations', migrations, 'dir');
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
  }
  const temp = `${STAMP}.${process.pid}.tmp`;
  writeFileSync(temp, String(newest));
  renameSync(temp, STAMP);
  return { files: files.length };
}

// Output whose source was deleted must go: a stale plugin folder would still be loaded.
function removeOrphans(dir, outputs) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      removeOrphans(path, outputs);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true, force: true });
    } else if (!entry.name.endsWith('.tmp') && !outputs.has(path)) {
      rmSync(path, { force: true });
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const { files } = await build();
  process.stderr.write(`cotton-backup: compiled ${files} files into dist/ in ${Math.round(performance.now() - started)} ms\n`);
}
