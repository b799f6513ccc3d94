// Bring a sandbox's artifacts/ and the writers' output files back to the host, in one archive stream:
// after a normal cleanup (the worker packed them), or, when the worker is gone, by packing them with a
// short-lived `worker-main.mjs --archive` process in the same sandbox.
import type { PreparedRun } from '../core/index.js';
import { OsirisError } from '../core/index.js';
import { readArtifactsArchive } from './artifacts-archive.js';
import { ARCHIVE_PATH } from './remote-plan.js';
import type { Sandbox } from './transport.js';

/** Download the archive the worker wrote and unpack it into the session and the project directory. */
export async function downloadArtifacts(
  sandbox: Sandbox,
  run: PreparedRun,
  transport: string,
): Promise<void> {
  const t0 = performance.now();
  const stats = await readArtifactsArchive(await sandbox.download(ARCHIVE_PATH), {
    sessionDir: run.sessionDir,
    projectDir: run.projectDir,
  });
  const tags = { transport };
  run.sink.metric('artifacts_copy_ms', Math.round(performance.now() - t0), { tags });
  run.sink.metric('artifacts_bytes_total', stats.bytes, { tags });
  run.sink.metric('artifacts_files_total', stats.files, { tags });
}

/**
 * After the worker was lost, killed or timed out: pack what it left (artifacts, outputs of completed steps)
 * and download it, within `timeoutMs`. Never throws: a sandbox that is gone has nothing to give; the
 * failure is logged and the run's own error stays the one reported.
 */
export async function recoverArtifacts(
  sandbox: Sandbox,
  run: PreparedRun,
  transport: string,
  outputFiles: readonly string[],
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new OsirisError('timeout', `artifact recovery took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([
      (async () => {
        const packer = await sandbox.start(
          ['node', 'worker/worker-main.mjs', '--archive', ARCHIVE_PATH, ...outputFiles],
          {},
          {
            onStdout: () => undefined,
            onStderr: (text) => run.log.debug(`artifact packer stderr: ${text.trimEnd()}`),
          },
        );
        const code = await packer.exited;
        if (code !== 0)
          throw new OsirisError('worker_lost', `the artifact packer exited with ${code ?? 'a signal'}`);
        await downloadArtifacts(sandbox, run, transport);
      })(),
      deadline,
    ]);
    run.sink.event('remote.artifacts_recovered', { transport });
  } catch (error) {
    run.log.warn(
      `artifacts of the sandbox could not be recovered: ${run.mask(error instanceof Error ? error.message : String(error))}`,
    );
  } finally {
    clearTimeout(timer);
  }
}
