// Composition root of the `osiris` binary: binds the driver table, wires signals, sets the exit code.
import { fileURLToPath } from 'node:url';
import { createDriverTable } from '../api/driver-table.js';
import { OsirisError } from '../core/index.js';
import { runCli } from './program.js';

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  // second Ctrl-C: the user insists; leave now (status.json may be missing)
  if (interrupts > 1) process.exit(130);
  controller.abort(new OsirisError('interrupted', 'interrupted by Ctrl-C (SIGINT)'));
});
process.on('SIGTERM', () => controller.abort(new OsirisError('interrupted', 'terminated (SIGTERM)')));

const code = await runCli(
  process.argv.slice(2),
  {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    // dist/osiris.mjs → the package root
    installDir: fileURLToPath(new URL('..', import.meta.url)),
  },
  createDriverTable(),
  controller.signal,
);
process.exitCode = code;
