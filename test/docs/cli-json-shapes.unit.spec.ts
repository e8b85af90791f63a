import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createDeferredRuntime } from '../../src/cli/deferred-runtime';
import { buildProgram } from '../../src/cli/program';

const repo = new URL('../../', import.meta.url);

/** Every command path (`events verify`) that takes `--json`, from the program itself. */
function jsonCommands(command: Command, path: string[] = []): string[] {
  const own = command.options.some((o) => o.long === '--json') ? [path.join(' ')] : [];
  return [...own, ...command.commands.flatMap((c) => jsonCommands(c, [...path, c.name()]))];
}

describe('docs/cli-json.md', () => {
  it('has a shape row for every command that takes --json', async () => {
    const program = await buildProgram(createDeferredRuntime({ env: {} }).runtime);
    const commands = jsonCommands(program);
    expect(commands).toContain('check');
    const doc = readFileSync(new URL('docs/cli-json.md', repo), 'utf8');
    const documented = [...doc.matchAll(/^\| `([a-z -]+?)(?: --[a-z-]+)?` \|/gm)].map((m) => m[1]);
    expect(commands.filter((c) => !documented.includes(c)), 'commands with --json and no row').toEqual([]);
  });
});
