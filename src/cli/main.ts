// Entry point of `cotton-backup` (bin/cotton-backup.js imports its compiled twin from dist/).
import 'reflect-metadata';
import { runCli } from './program';

const code = await runCli(process.argv);
process.exitCode = code;
// Everything is closed by now; if a stray handle (a timer in a library) still holds the event
// loop, do not hang the operator's shell or a service manager.
setTimeout(() => process.exit(code), 3000).unref();
