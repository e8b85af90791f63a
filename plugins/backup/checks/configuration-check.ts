import { ConfigError } from '../../../src/config/config';
import { copyTargetProblems } from '../copies/validate-targets';
import { fail, ok, type Check } from './check-line';

/** The host's and the plugin's variables parse, and no copy target is the primary's own place. */
export const configurationCheck: Check = {
  name: 'configuration',
  needs: [],
  async run(env) {
    try {
      const config = env.config();
      const settings = env.settings();
      const problems = copyTargetProblems(settings.copies, { root: config.storage.root, s3: config.s3 });
      if (problems.length > 0) throw new ConfigError(problems);
      await env.masterEncryptionKey();
      const targets = settings.copies.targets.length;
      return [ok('configuration', `valid: backup schedule "${settings.schedule}", ${targets} copy target${targets === 1 ? '' : 's'}`)];
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message;
      return [fail('configuration', `invalid: ${problems}`, 'correct the variables named (README, Configuration) and run the check again')];
    }
  },
};
