import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { DriverTable, ExecutionAdapter, ManifestStep, PreparedRun, RuntimeDependency, StepOutcome } from '../core/index.js';
import { OsirisError, describeError } from '../core/index.js';
import { readArtifactsArchive } from './artifacts-archive.js';
import type { Command, PrepareSecrets } from './protocol.js';
import { HEARTBEAT_LOSS_MS, PROTOCOL_VERSION } from './protocol.js';
import type { Sandbox, SandboxProcess, Transport, UploadFile } from './transport.js';
import { createWorkerChannel } from './worker-channel.js';

export interface RemoteAdapterOptions {
  /** Sandbox provider. */
  transport: Transport;
  /** vCPUs, memory and lifetime of the sandbox, and the template. */
  sandbox: { cpu: number; memoryMb: number; timeoutMs: number; template: string | undefined };
  /** Install missing runtime dependencies in the sandbox. */
  installDeps: boolean;
  /** Host directory holding the bundled worker (dist/worker). */
  workerDir: string;
  /** Bound drivers: their specs give dependencies and input file keys. */
  drivers: DriverTable;
  /** Resolved connections of the steps (the only secrets that cross, in memory). */
  secrets: PrepareSecrets;
  /** Override of the heartbeat-loss threshold (tests). */
  lossMs?: number;
}

const ARCHIVE = 'artifacts.tar';

/** The transparent proxy: same contract as the local adapter; steps run in a sandbox worker. */
export function createRemoteAdapter(options: RemoteAdapterOptions): ExecutionAdapter {
  let run: PreparedRun | undefined;
  let sandbox: Sandbox | undefined;
  let proc: SandboxProcess | undefined;
  let channel: ReturnType<typeof createWorkerChannel> | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  let cleaningUp = false;
  const transport = options.transport.name;

  const killSandbox = async (): Promise<void> => {
    clearInterval(keepAlive);
    const box = sandbox;
    sandbox = undefined;
    if (!box) return;
    await box.kill().catch(() => undefined);
    run?.sink.event('remote.sandbox_killed', { transport });
  };

  return {
    kind: 'remote',
    transport,
    async prepare(prepared) {
      run = prepared;
      const t0 = performance.now();
      const onAbort = (): void => void killSandbox();
      prepared.signal.addEventListener('abort', onAbort, { once: true });
      sandbox = await options.transport.create({
        ...options.sandbox,
        metadata: { osiris_session: prepared.sessionId, osiris_pipeline: prepared.manifest.pipeline.id },
      });
      prepared.sink.event('remote.sandbox_created', { transport, sandbox_id: sandbox.id });
      keepAlive = setInterval(() => void sandbox?.keepAlive(options.sandbox.timeoutMs).catch(() => undefined), Math.max(1000, options.sandbox.timeoutMs / 3));
      keepAlive.unref();

      const commands = createCommands(prepared, options);
      writeFileSync(join(prepared.sessionDir, 'commands.jsonl'), commands.map((c) => `${JSON.stringify(c)}\n`).join(''));
      const files = collectUploads(prepared, options);
      await sandbox.upload(files);
      prepared.sink.event('remote.upload_complete', { files: files.length, bytes: files.reduce((n, f) => n + (typeof f.data === 'string' ? Buffer.byteLength(f.data) : f.data.byteLength), 0) });

      const ch = createWorkerChannel({
        sink: prepared.sink,
        log: prepared.log,
        lossMs: options.lossMs ?? HEARTBEAT_LOSS_MS,
        onLost: () => void killSandbox(),
      });
      channel = ch;
      proc = await sandbox.start(['node', 'worker/worker-main.mjs'], {}, { onStdout: ch.push, onStderr: (t) => prepared.log.debug(`worker stderr: ${t.trimEnd()}`) });
      ch.attach(proc, () => cleaningUp);
      prepared.sink.event('remote.worker_started', { transport });
      prepared.signal.throwIfAborted();
      const [ping, prepare] = [commands[0], commands[1]] as [Extract<Command, { cmd: 'ping' }>, Extract<Command, { cmd: 'prepare' }>];
      const pong = await ch.request(ping);
      if (pong.protocol !== PROTOCOL_VERSION) throw new OsirisError('internal', `worker speaks protocol ${pong.protocol}, host ${PROTOCOL_VERSION}`);
      await ch.request(prepare, options.secrets);
      prepared.sink.metric('e2b_overhead_ms', Math.round(performance.now() - t0), { tags: { transport } });
    },

    async execute(step: ManifestStep, inputs: Record<string, string>): Promise<StepOutcome> {
      if (!run || !channel) throw new OsirisError('internal', 'remote adapter used before prepare');
      const started = performance.now();
      try {
        return await channel.request(createExecCommand(step, inputs));
      } catch (error) {
        // the worker can no longer report this step: the host records its failure
        const d = describeError(run.signal.aborted ? run.signal.reason : error);
        const message = run.mask(d.message);
        run.sink.metric('step_duration_ms', Math.round(performance.now() - started), { step_id: step.id });
        run.sink.event('step_failed', { step_id: step.id, error: message, error_type: d.type, error_code: d.code, duration_ms: Math.round(performance.now() - started) });
        return { ok: false, rowsRead: 0, rowsWritten: 0, rowsProcessed: 0, outputFiles: [], error: { code: d.code, message, type: d.type } };
      }
    },

    async collect() {
      if (!run) return;
      const prepared = run;
      try {
        if (channel && sandbox && !channel.failure && !prepared.signal.aborted) {
          cleaningUp = true;
          await channel.request({ cmd: 'cleanup', archive_path: ARCHIVE });
          const t0 = performance.now();
          const stats = await readArtifactsArchive(await sandbox.download(ARCHIVE), { sessionDir: prepared.sessionDir, projectDir: prepared.projectDir });
          const tags = { transport };
          prepared.sink.metric('artifacts_copy_ms', Math.round(performance.now() - t0), { tags });
          prepared.sink.metric('artifacts_bytes_total', stats.bytes, { tags });
          prepared.sink.metric('artifacts_files_total', stats.files, { tags });
          await proc?.closeStdin().catch(() => undefined);
        }
      } finally {
        cleaningUp = true;
        channel?.close();
        await proc?.kill().catch(() => undefined);
        await killSandbox();
        run = undefined;
      }
    },
  };
}

function createExecCommand(step: ManifestStep, inputs: Record<string, string>): Extract<Command, { cmd: 'exec_step' }> {
  return {
    cmd: 'exec_step',
    step_id: step.id,
    driver: step.driver,
    cfg_path: step.cfg_path,
    inputs: Object.fromEntries(Object.entries(inputs).map(([name, from]) => [name, { from_step: from, key: 'df' }])),
  };
}

/** commands.jsonl: ping, prepare, one exec_step per step, cleanup — file-only, never a secret. */
function createCommands(run: PreparedRun, options: RemoteAdapterOptions): Command[] {
  const deps = new Map<string, RuntimeDependency>();
  for (const step of run.manifest.steps) {
    for (const dep of options.drivers.get(step.driver)?.spec.runtimeDependencies ?? []) deps.set(dep.name, dep);
  }
  return [
    { cmd: 'ping', protocol: PROTOCOL_VERSION },
    { cmd: 'prepare', manifest_path: 'manifest.yaml', install_deps: options.installDeps, memory_limit: run.memoryLimit, dependencies: [...deps.values()] },
    ...run.manifest.steps.map((s) => createExecCommand(s, Object.fromEntries(s.needs.map((id) => [id, id])))),
    { cmd: 'cleanup', archive_path: ARCHIVE },
  ];
}

/** Worker bundle, manifest, cfg (the host's exact bytes), commands.jsonl, and input files of read steps. */
function collectUploads(run: PreparedRun, options: RemoteAdapterOptions): UploadFile[] {
  if (!existsSync(options.workerDir)) throw new OsirisError('internal', `worker bundle missing at ${options.workerDir} (run npm run build)`);
  const files: UploadFile[] = readdirSync(options.workerDir)
    .filter((f) => f.endsWith('.mjs') || f === 'bundled.json')
    .map((f) => ({ path: `worker/${f}`, data: readFileSync(join(options.workerDir, f)) }));
  files.push({ path: 'worker/package.json', data: '{"type":"module"}\n' });
  files.push({ path: 'manifest.yaml', data: run.manifestText });
  files.push({ path: 'commands.jsonl', data: readFileSync(join(run.sessionDir, 'commands.jsonl')) });
  for (const step of run.manifest.steps) {
    const text = run.cfgTexts.get(step.id) ?? '';
    files.push({ path: step.cfg_path, data: text });
    const spec = options.drivers.get(step.driver)?.spec;
    if (!spec || step.mode !== 'read') continue;
    const cfg = JSON.parse(text) as Record<string, unknown>;
    for (const key of spec.pathKeys) {
      const value = cfg[key];
      if (typeof value !== 'string') continue;
      if (isAbsolute(value)) throw new OsirisError('config_error', `remote runs need project-relative input paths; '${value}' is absolute`, { where: `step ${step.id} config.${key}` });
      const local = join(run.projectDir, value);
      if (existsSync(local)) files.push({ path: `project/${value}`, data: readFileSync(local) });
    }
  }
  return files;
}
