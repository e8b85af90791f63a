import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPOSE, DOCKERFILE, lintCompose, lintDockerfile, lintRecipes, lintUnit, systemdVerify, UNIT, unknownVariables } from '../../deploy/lint';

const repo = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(path, 'utf8');

describe('deploy/ recipes', () => {
  it('pass the lint: unit keys, Dockerfile stages and USER, compose mounts, every COTTON_* a real variable', async () => {
    expect(await lintRecipes()).toEqual([]);
  }, 30_000);

  it('the lint catches a unit without the sandbox, a storage path it cannot write, and a missing EnvironmentFile', () => {
    const unit = read(UNIT)
      .replace(/^ProtectSystem=strict$/m, '')
      .replace(/^ReadWritePaths=.*$/m, 'ReadWritePaths=/var/lib/cotton-backup')
      .replace(/^EnvironmentFile=.*$/m, '');
    expect(lintUnit(unit)).toEqual([
      'unit: ProtectSystem=strict is required (found nothing)',
      'unit: an EnvironmentFile= for the secrets is required',
      "unit: ReadWritePaths= lacks COTTON_STORAGE_PATH's /srv/cotton/files (ProtectSystem=strict makes it read-only)",
    ]);
  });

  it('the lint catches a Dockerfile running as root and a COPY from a stage that does not exist', () => {
    const dockerfile = read(DOCKERFILE).replace(/^USER .*$/m, '').replace('COPY --from=build', 'COPY --from=builder');
    expect(lintDockerfile(dockerfile)).toEqual([
      'Dockerfile: COPY --from=builder names no stage',
      'Dockerfile: the runtime stage must end with a non-root USER (found none)',
    ]);
  });

  it("the lint catches a misspelt variable and Cotton's storage mounted elsewhere", () => {
    const compose = read(COMPOSE).replace('COTTON_PG_USERNAME:', 'COTTON_PG_USER:').replace('cotton-files:/app/files', 'cotton-files:/files');
    expect(unknownVariables({ 'compose.yaml': compose }, ['COTTON_PG_USERNAME', 'COTTON_PG_HOST', 'COTTON_PG_PORT', 'COTTON_PG_DATABASE', 'COTTON_STORAGE_PATH', 'COTTON_DATA_PATH', 'COTTON_HTTP_HOST', 'COTTON_HTTP_PORT'])).toEqual([
      'compose.yaml: COTTON_PG_USER is not a variable of the host or a plugin',
    ]);
    expect(lintCompose(compose)).toEqual(["compose: Cotton's storage volume (cotton-files) must be mounted at COTTON_STORAGE_PATH (/app/files, mounted at /files)"]);
  });

  it('systemd-analyze verify refuses a unit it cannot run (when systemd-analyze is here)', (context) => {
    const verdict = systemdVerify('/nonexistent-checkout');
    if (verdict === undefined) context.skip('no systemd-analyze on this machine: the lint above skipped it too');
    expect(verdict!.join('\n')).toMatch(/systemd-analyze verify: .*nonexistent-checkout/);
  });
});

describe('package.json, as software is installed', () => {
  const pkg = JSON.parse(read(new URL('package.json', repo).pathname)) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    engines?: { node?: string };
  };

  it('keeps Node 24 (the `node` package) through npm ci --omit=dev; engines names the Node npm itself may run on', () => {
    // npx cotton-backup and npm start run the project's Node; --omit=dev must not remove it.
    expect(pkg.dependencies.node).toMatch(/^\^24\./);
    expect(pkg.devDependencies.node).toBeUndefined();
    // npm checks engines against the Node *it* runs on (the system's, often 20), and warned on every
    // `npx cotton-backup`, though what runs the CLI is the bundled 24; the bin refuses an older one.
    expect(pkg.engines?.node).toBe('>=20');
  });
});
