// Runs a command to completion with piped output and measures its wall time (shared by bench cases).
import { spawn } from 'node:child_process';

/** Resolves with `{ code, stdout, stderr, seconds }`; `options` go to spawn (cwd, env, ...). */
export function runTimed(command, args, options = {}) {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 }));
  });
}
