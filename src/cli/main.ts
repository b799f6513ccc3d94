// Composition root of the `osiris` binary: binds the driver table, wires signals, sets the exit code.
import { fileURLToPath } from 'node:url';
import { OsirisError, createDriverTable } from '../index.js';
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

// `osiris logs list | head -1`: once the reader is gone, output is dropped and the command ends as it
// would have (its own exit code), instead of dying with an unhandled EPIPE stack.
let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutClosed = true;
});
const stdout = {
  write: (text: string): boolean => stdoutClosed || process.stdout.write(text),
  isTTY: process.stdout.isTTY,
};

const code = await runCli(
  process.argv.slice(2),
  {
    stdout,
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
