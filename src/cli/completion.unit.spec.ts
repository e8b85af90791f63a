import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../test/support/cli';

const plugins = fileURLToPath(new URL('../../plugins', import.meta.url));

/** Sources the script in bash and asks it to complete `words` (the last is the word being typed). */
function complete(script: string, words: string[]): { registered: string; replies: string[] } {
  const file = join(mkdtempSync(join(tmpdir(), 'completion-')), 'cotton-backup.bash');
  writeFileSync(file, script);
  const out = execFileSync('bash', ['-c', `source "$1"; shift; complete -p cotton-backup; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cotton_backup_completion; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', file, ...words], { encoding: 'utf8' });
  const [registered, ...replies] = out.trim().split('\n');
  return { registered: registered!, replies: replies.filter(Boolean) };
}

describe('cotton-backup completion bash', () => {
  it('prints a script that registers a completion and completes commands, subcommands and options from the command tree', async () => {
    // No configuration at all: completion reads the command tree only.
    const result = await runCliCaptured({ COTTON_PLUGINS_PATH: plugins }, 'completion', 'bash');
    expect(result.code, result.stderr).toBe(0);
    expect(complete(result.stdout, ['cotton-backup', 've']).registered).toBe('complete -F _cotton_backup_completion cotton-backup');
    expect(complete(result.stdout, ['cotton-backup', 've']).replies).toEqual(['verify']);
    expect(complete(result.stdout, ['cotton-backup', 'storage', 'l']).replies).toEqual(['ls']);
    expect(complete(result.stdout, ['cotton-backup', 'restore', '--backup', 'abc', '--f']).replies.sort()).toEqual(['--fallback', '--from']);
    expect(complete(result.stdout, ['cotton-backup', 'co']).replies.sort()).toEqual(['completion', 'copies']);
  });

  it('refuses a shell it cannot write for', async () => {
    const result = await runCliCaptured({ COTTON_PLUGINS_PATH: plugins }, 'completion', 'fish');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/only bash is supported/);
  });
});
