import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `body` with `tool` (pg_dump or pg_restore) replaced on this process's PATH by one that
 * fails, its error quoting `text` and the PGPASSWORD it was given, as a real tool's message can
 * (authentication errors, connection strings). `--version` still reaches the real tool.
 * Children inherit PATH from process.env when spawned, so only runs started inside `body` see it.
 */
export async function withFailingPgTool<T>(tool: 'pg_dump' | 'pg_restore', text: string, body: () => Promise<T>): Promise<T> {
  const real = execFileSync('sh', ['-c', `command -v ${tool}`]).toString().trim();
  const dir = await mkdtemp(join(tmpdir(), 'failing-pg-tool-'));
  // The text is in the script itself: the tool's environment is an allow-list, a variable of ours would not reach it.
  const quoted = `'${text.replace(/'/g, `'\\''`)}'`;
  await writeFile(
    join(dir, tool),
    `#!/bin/sh
[ "$1" = --version ] && exec "${real}" "$@"
printf '%s: error: %s (password "%s")\\n' "${tool}" ${quoted} "$PGPASSWORD" >&2
exit 1
`,
  );
  await chmod(join(dir, tool), 0o755);
  const saved = process.env.PATH;
  process.env.PATH = `${dir}:${saved}`;
  try {
    return await body();
  } finally {
    process.env.PATH = saved;
    await rm(dir, { recursive: true, force: true });
  }
}
