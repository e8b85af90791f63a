/** What the A/B benches (backup-cpu-ab.ts, restore-ab.ts) share: their arguments and the commit of each side. */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** `<checkout A> <checkout B> [--scale S] [--runs N]` from argv; throws the usage otherwise. */
export function abArguments(script: string): { checkouts: [string, string]; scale: string; runs: number } {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const checkouts = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')).map((p) => resolve(p));
  if (checkouts.length !== 2) throw new Error(`usage: ${script} <checkout A> <checkout B> [--scale S] [--runs N]`);
  return { checkouts: [checkouts[0]!, checkouts[1]!], scale: flag('--scale') ?? 'quick', runs: Number(flag('--runs') ?? 4) };
}

/** The checkout's commit, or its folder for an exported tree (git archive) that has none. */
export function commitOf(checkout: string): string {
  try {
    return execFileSync('git', ['-C', checkout, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return checkout;
  }
}
