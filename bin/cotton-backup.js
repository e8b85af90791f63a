#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=50
// The shebang's options are NODE_FLAGS of src/cli/node-flags.ts (a shebang cannot import them).
// Runs the compiled CLI from dist/ (compiled TypeScript costs ~1 s per start). dist/ is rebuilt
// first when a source is newer, so an edited checkout never runs stale code. Plugins given as
// TypeScript through COTTON_PLUGINS_PATH run from the sources through tsx instead: a plugin
// must share the host's modules, and a compiled host cannot import TypeScript.
import { existsSync, readdirSync } from 'node:fs';
import module from 'node:module';
import { join, resolve } from 'node:path';
import { build, isStale, ROOT } from './build.js';
import { nodeTooOld } from './node-version.js';

const tooOld = nodeTooOld(process.version, process.execPath);
if (tooOld) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(1);
}

// V8's code cache on disk (in the temp folder): every start after the first skips compiling the modules.
module.enableCompileCache?.();

function typeScriptPlugins(configured) {
  if (!configured) return false;
  const path = resolve(configured);
  if (path === join(ROOT, 'plugins')) return false; // the repository's own plugins are compiled
  let folders;
  try {
    folders = readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory());
  } catch {
    return false; // the host reports an unreadable plugins folder itself
  }
  return folders.some((f) => ['index.ts', 'cli.ts'].some((entry) => existsSync(join(path, f.name, entry))));
}

async function runSources() {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}

if (typeScriptPlugins(process.env.COTTON_PLUGINS_PATH)) {
  await runSources();
} else {
  let compiled = true;
  if (isStale()) {
    try {
      await build();
    } catch (error) {
      process.stderr.write(`cotton-backup: could not compile into ${join(ROOT, 'dist')} (${error.message}); running the TypeScript sources\n`);
      compiled = false;
    }
  }
  if (compiled) await import('../dist/src/cli/main.js');
  else await runSources();
}
