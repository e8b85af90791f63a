import type { Command } from 'commander';

/**
 * `cotton-backup completion bash`: a bash completion script generated from the program's own
 * command tree, so a command or option added anywhere (a plugin's cli.ts included) completes
 * without a hand-kept list. Usage: `source <(cotton-backup completion bash)`.
 */
export function registerCompletionCommand(program: Command, stdout: NodeJS.WritableStream): void {
  program
    .command('completion')
    .description('print a shell completion script: `source <(cotton-backup completion bash)`')
    .argument('<shell>', 'the shell (bash)')
    .action((shell: string, _opts: unknown, command: Command) => {
      if (shell !== 'bash') command.error(`completion: only bash is supported, got "${shell}"`);
      stdout.write(bashCompletion(program));
    });
}

/** Every command path ("storage ls") with what may follow it: its subcommands and its options. */
function completionsOf(command: Command, path: string[] = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const words = [...command.commands.map((c) => c.name()), ...command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)), '--help'];
  out.set(path.join(' '), words);
  for (const sub of command.commands) for (const [k, v] of completionsOf(sub, [...path, sub.name()])) out.set(k, v);
  return out;
}

export function bashCompletion(program: Command): string {
  const name = program.name();
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}_completion`;
  const cases = [...completionsOf(program)]
    .map(([path, words]) => `    ${JSON.stringify(path)}) words=${JSON.stringify(words.join(' '))} ;;`)
    .join('\n');
  return `# bash completion for ${name}, generated from its command tree (\`${name} completion bash\`)
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} path="" words="" i w
  # The command path: the words before the cursor that are not options (nor an option's value).
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case "$w" in -*) continue ;; esac
    case "\${path:+$path }$w" in
${[...completionsOf(program).keys()].filter((k) => k !== '').map((k) => `      ${JSON.stringify(k)}) path="${k}" ;;`).join('\n')}
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F ${fn} ${name}
`;
}
