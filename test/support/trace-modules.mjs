// `node --import ./test/support/trace-modules.mjs …`: writes the URL of every module the process
// loaded, one a line, to the file named by TRACE_MODULES_TO when it exits.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const loaded = new Set();
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => writeFileSync(process.env.TRACE_MODULES_TO, [...loaded].join('\n')));
