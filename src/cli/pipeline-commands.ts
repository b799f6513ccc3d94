import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CompiledPipeline, Diagnostic, DriverTable } from '../index.js';
import {
  OSIRIS_VERSION,
  compilePipeline,
  createCatalog,
  formatDiagnostic,
  readPipelineFile,
  validateOml,
} from '../index.js';
import type { ActionWrapper, CliIo } from './cli-io.js';
import { collectOption, parseKeyValues, printJson } from './cli-io.js';
import { runInitCommand } from './init-command.js';

/** `init`, `validate` and `compile`: the commands that write a project or read a pipeline without running it. */
export function registerPipelineCommands(
  program: Command,
  io: CliIo,
  drivers: DriverTable,
  act: ActionWrapper,
): void {
  program
    .command('init')
    .description(
      'scaffold a project: osiris.yaml, osiris_connections.yaml, .env.example, pipelines/, .gitignore',
    )
    .argument('[dir]', 'target directory', '.')
    .option('--force', 'overwrite existing files')
    .option('--json', 'print one JSON object')
    .action(act((dir: string, opts: { force?: boolean; json?: boolean }) => runInitCommand(io, dir, opts)));

  program
    .command('validate')
    .description(
      'check an OML file against the component specs without writing anything (exit 2 on findings)',
    )
    .argument('<file>', 'OML pipeline file')
    .option('--param <k=v>', 'parameter value (repeatable)', collectOption, [])
    .option('--json', 'print one JSON object')
    .action(
      act((file: string, opts: { param: string[]; json?: boolean }) => {
        const text = readPipelineFile(resolve(io.cwd, file), file);
        const report = validateOmlReport(drivers, io.env, {
          text,
          file,
          params: parseKeyValues(opts.param, '--param'),
        });
        const { diagnostics } = report;
        if (opts.json) printJson(io, report);
        else if (diagnostics.length === 0) io.stdout.write(`${file}: valid\n`);
        else for (const d of diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
        return diagnostics.length === 0 ? 0 : 2;
      }),
    );

  registerCompileCommand(program, io, drivers, act);
}

function registerCompileCommand(program: Command, io: CliIo, drivers: DriverTable, act: ActionWrapper): void {
  program
    .command('compile')
    .description(
      'compile OML into build/<pipeline>/<short>/{manifest.yaml,cfg/*.json} (deterministic, secret-free)',
    )
    .argument('<file>', 'OML pipeline file')
    .option(
      '--param <k=v>',
      'parameter value (repeatable; beats OSIRIS_PARAM_<NAME> and defaults)',
      collectOption,
      [],
    )
    .option('--profile <name>', 'profile recorded in the manifest', 'default')
    .option('--out <dir>', 'build root (default: build/ in the project directory)')
    .option('--json', 'print one JSON object')
    .action(
      act((file: string, opts: { param: string[]; profile: string; out?: string; json?: boolean }) => {
        const report = compileReport(io, drivers, file, {
          params: parseKeyValues(opts.param, '--param'),
          profile: opts.profile,
          ...(opts.out === undefined ? {} : { outDir: resolve(io.cwd, opts.out) }),
        });
        if (opts.json) printJson(io, report);
        else
          io.stdout.write(
            `compiled ${report.pipeline_id}: ${report.steps} steps -> ${report.manifest_path}\n  manifest_fp ${report.fingerprints.manifest_fp}\n`,
          );
        return 0;
      }),
    );
}

/** What `validate --json` prints (and the MCP tool returns): every compile finding, positioned. */
export function validateOmlReport(
  drivers: DriverTable,
  env: Record<string, string | undefined>,
  input: { text: string | Uint8Array; file: string; params: Record<string, string> },
): { ok: boolean; file: string; diagnostics: Diagnostic[] } {
  const diagnostics = validateOml({
    text: input.text,
    file: input.file,
    catalog: createCatalog(drivers),
    cliParams: input.params,
    env,
    profile: 'default',
    compilerVersion: OSIRIS_VERSION,
  });
  return { ok: diagnostics.length === 0, file: input.file, diagnostics };
}

/** What `compile --json` prints (and the MCP tool returns); `manifest_path` is relative to the current directory. */
export function compileReport(
  io: CliIo,
  drivers: DriverTable,
  file: string,
  opts: { params: Record<string, string>; profile: string; outDir?: string },
): {
  ok: true;
  pipeline_id: string;
  manifest_path: string;
  steps: number;
  fingerprints: CompiledPipeline['manifest']['pipeline']['fingerprints'];
} {
  const compiled = compilePipeline({
    file,
    params: opts.params,
    profile: opts.profile,
    ...(opts.outDir === undefined ? {} : { outDir: opts.outDir }),
    cwd: io.cwd,
    ...(io.projectDir === undefined ? {} : { projectDir: io.projectDir }),
    env: io.env,
    drivers,
  });
  const { pipeline } = compiled.manifest;
  return {
    ok: true,
    pipeline_id: pipeline.id,
    manifest_path: relative(io.cwd, resolve(compiled.buildDir, 'manifest.yaml')),
    steps: compiled.manifest.steps.length,
    fingerprints: pipeline.fingerprints,
  };
}
