// Checks the production recipes in deploy/ without running them (CI runs this where no Docker
// daemon or systemd is available): `node --import tsx deploy/lint.ts` prints each problem and
// exits 1 when there is one. test/deploy/recipes.unit.spec.ts runs the same checks.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configVariables } from '../scripts/config-variables';
import { NODE_FLAGS } from '../src/cli/node-flags';

export const DEPLOY = fileURLToPath(new URL('.', import.meta.url));
export const UNIT = join(DEPLOY, 'systemd/cotton-backup.service');
export const DOCKERFILE = join(DEPLOY, 'Dockerfile');
export const COMPOSE = join(DEPLOY, 'compose.yaml');
/** Where the unit expects the checkout (its ExecStart and WorkingDirectory). */
const INSTALL_ROOT = '/opt/cotton-backup';

const read = (path: string): string => readFileSync(path, 'utf8');
const withoutComments = (text: string): string => text.replace(/^\s*#.*$/gm, '');

/** `Key=value` lines of one `[Section]` of a unit file (a key given twice keeps every value). */
export function unitSection(unit: string, section: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let current = '';
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) current = header[1]!;
    else if (current === section) {
      const at = line.indexOf('=');
      if (at < 0) continue;
      const key = line.slice(0, at).trim();
      keys.set(key, [...(keys.get(key) ?? []), line.slice(at + 1).trim()]);
    }
  }
  return keys;
}

export function lintUnit(unit: string): string[] {
  const problems: string[] = [];
  const service = unitSection(unit, 'Service');
  const one = (key: string): string | undefined => service.get(key)?.at(-1);
  const required: Record<string, string> = { Restart: 'on-failure', ProtectSystem: 'strict', NoNewPrivileges: 'yes', PrivateTmp: 'yes', ProtectHome: 'yes' };
  for (const [key, value] of Object.entries(required)) {
    if (one(key) !== value) problems.push(`unit: ${key}=${value} is required (found ${one(key) ?? 'nothing'})`);
  }
  if (!one('EnvironmentFile')) problems.push('unit: an EnvironmentFile= for the secrets is required');
  const exec = one('ExecStart') ?? '';
  if (!/\/node\s/.test(exec) || !/bin\/cotton-backup\.js serve$/.test(exec)) problems.push(`unit: ExecStart must run node on bin/cotton-backup.js serve (found ${exec || 'nothing'})`);
  for (const flag of NODE_FLAGS) if (!exec.split(/\s+/).includes(flag)) problems.push(`unit: ExecStart lacks ${flag} (the options of npm start)`);
  const environment = new Map((service.get('Environment') ?? []).map((e) => e.split('=', 2) as [string, string]));
  const writable = (service.get('ReadWritePaths') ?? []).flatMap((v) => v.split(/\s+/));
  for (const name of ['COTTON_STORAGE_PATH', 'COTTON_DATA_PATH']) {
    const path = environment.get(name);
    if (!path) problems.push(`unit: Environment=${name}=… is required (ReadWritePaths= must name it)`);
    else if (!writable.includes(path)) problems.push(`unit: ReadWritePaths= lacks ${name}'s ${path} (ProtectSystem=strict makes it read-only)`);
  }
  if (!unitSection(unit, 'Install').get('WantedBy')) problems.push('unit: [Install] WantedBy= is required (systemctl enable)');
  return problems;
}

/** `FROM … AS name` stages in order, and the USER of the last stage. */
export function dockerStages(dockerfile: string): { stages: string[]; finalUser: string | undefined } {
  const stages: string[] = [];
  let finalUser: string | undefined;
  for (const line of withoutComments(dockerfile).split('\n')) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line.trim());
    if (from) {
      stages.push(from[1] ?? `#${stages.length}`);
      finalUser = undefined;
    }
    const user = /^USER\s+(\S+)/i.exec(line.trim());
    if (user) finalUser = user[1];
  }
  return { stages, finalUser };
}

export function lintDockerfile(dockerfile: string): string[] {
  const problems: string[] = [];
  const text = withoutComments(dockerfile);
  const { stages, finalUser } = dockerStages(dockerfile);
  if (stages.length < 2) problems.push(`Dockerfile: a build stage and a runtime stage are required (found ${stages.join(', ') || 'none'})`);
  for (const from of text.matchAll(/COPY\s+--from=(\S+)/g)) if (!stages.includes(from[1]!)) problems.push(`Dockerfile: COPY --from=${from[1]} names no stage`);
  if (!/RUN\s+npm ci(?![^\n]*--omit=dev)/.test(text)) problems.push('Dockerfile: the build stage must run npm ci');
  if (!/npm ci[^\n]*--omit=dev/.test(text)) problems.push('Dockerfile: the runtime stage must install with npm ci --omit=dev');
  if (!finalUser || finalUser === 'root' || finalUser === '0') problems.push(`Dockerfile: the runtime stage must end with a non-root USER (found ${finalUser ?? 'none'})`);
  else if (!new RegExp(`useradd[^\\n]*\\s${finalUser}(\\s|$)`).test(text)) problems.push(`Dockerfile: USER ${finalUser} is never created (useradd)`);
  if (!/postgresql-client-\d+/.test(text)) problems.push("Dockerfile: pg_dump/pg_restore of the server's major version (postgresql-client-<major>) are required");
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(text);
  const argv = cmd ? (JSON.parse(cmd[1]!) as string[]) : [];
  if (argv[0] !== 'node' || argv.at(-1) !== 'serve' || NODE_FLAGS.some((f) => !argv.includes(f))) problems.push(`Dockerfile: CMD must be node ${NODE_FLAGS.join(' ')} bin/cotton-backup.js serve in exec form`);
  return problems;
}

export function lintCompose(compose: string): string[] {
  const problems: string[] = [];
  const text = withoutComments(compose);
  const storage = /^\s+COTTON_STORAGE_PATH:\s*(\S+)/m.exec(text)?.[1];
  const mount = /^\s+-\s*cotton-files:(\S+)/m.exec(text)?.[1];
  if (!storage || mount !== storage) problems.push(`compose: Cotton's storage volume (cotton-files) must be mounted at COTTON_STORAGE_PATH (${storage ?? 'unset'}, mounted at ${mount ?? 'nothing'})`);
  if (!/^networks:\n\s+cotton:\n\s+external: true/m.test(text)) problems.push("compose: Cotton's network must be external (networks: cotton: external: true)");
  if (!/^volumes:\n\s+cotton-files:\n\s+external: true/m.test(text)) problems.push("compose: Cotton's storage volume must be external (volumes: cotton-files: external: true)");
  if (!/^\s+env_file:/m.test(text)) problems.push('compose: an env_file for the secrets is required');
  return problems;
}

/** COTTON_* names a recipe uses that no schema of the host or its plugins reads (a typo starts nothing). */
export function unknownVariables(texts: Record<string, string>, known: readonly string[]): string[] {
  return Object.entries(texts).flatMap(([file, text]) =>
    [...new Set(withoutComments(text).match(/\bCOTTON_[A-Z0-9_]+\b/g) ?? [])].filter((v) => !known.includes(v)).map((v) => `${file}: ${v} is not a variable of the host or a plugin`),
  );
}

/**
 * `systemd-analyze verify` of the unit with the checkout's path put where it expects /opt/cotton-backup
 * (verify refuses an ExecStart that does not exist here); undefined when systemd-analyze is missing.
 */
export function systemdVerify(repo: string): string[] | undefined {
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'cotton-unit-'));
  try {
    const unit = join(dir, 'cotton-backup.service');
    copyFileSync(UNIT, unit);
    writeFileSync(unit, read(unit).replaceAll(INSTALL_ROOT, repo.replace(/\/$/, '')));
    const result = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    const output = `${result.stdout}${result.stderr}`.trim();
    return result.status === 0 && output === '' ? [] : [`unit: systemd-analyze verify: ${output || `exit ${result.status}`}`];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function lintRecipes(): Promise<string[]> {
  const [unit, dockerfile, compose] = [read(UNIT), read(DOCKERFILE), read(COMPOSE)];
  const known = await configVariables();
  return [
    ...lintUnit(unit),
    ...lintDockerfile(dockerfile),
    ...lintCompose(compose),
    ...unknownVariables({ 'systemd/cotton-backup.service': unit, Dockerfile: dockerfile, 'compose.yaml': compose }, known),
    ...(systemdVerify(join(DEPLOY, '..')) ?? []),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = await lintRecipes();
  for (const p of problems) process.stderr.write(`deploy: ${p}\n`);
  if (problems.length === 0) process.stdout.write('deploy: the unit, the Dockerfile and the compose file pass\n');
  process.exit(problems.length === 0 ? 0 : 1);
}
