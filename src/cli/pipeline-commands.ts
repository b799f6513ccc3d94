import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { DriverTable } from '../index.js';
import {
  OSIRIS_VERSION,
  OsirisError,
  compilePipeline,
  createCatalog,
  formatDiagnostic,
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
        const text = readOmlFile(io, file);
        const diagnostics = validateOml({
          text,
          file,
          catalog: createCatalog(drivers),
          cliParams: parseKeyValues(opts.param, '--param'),
          env: io.env,
          profile: 'default',
          compilerVersion: OSIRIS_VERSION,
        });
        if (opts.json) printJson(io, { ok: diagnostics.length === 0, file, diagnostics });
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
        const compiled = compilePipeline({
          file,
          params: parseKeyValues(opts.param, '--param'),
          profile: opts.profile,
          ...(opts.out === undefined ? {} : { outDir: resolve(io.cwd, opts.out) }),
          cwd: io.cwd,
          ...(io.projectDir === undefined ? {} : { projectDir: io.projectDir }),
          env: io.env,
          drivers,
        });
        const manifestPath = relative(io.cwd, resolve(compiled.buildDir, 'manifest.yaml'));
        const { pipeline } = compiled.manifest;
        if (opts.json) {
          printJson(io, {
            ok: true,
            pipeline_id: pipeline.id,
            manifest_path: manifestPath,
            steps: compiled.manifest.steps.length,
            fingerprints: pipeline.fingerprints,
          });
        } else {
          io.stdout.write(
            `compiled ${pipeline.id}: ${compiled.manifest.steps.length} steps -> ${manifestPath}\n  manifest_fp ${pipeline.fingerprints.manifest_fp}\n`,
          );
        }
        return 0;
      }),
    );
}

// Bytes, not text: the compiler refuses a non-UTF-8 file naming its encoding and the first bad byte.
function readOmlFile(io: CliIo, file: string): Uint8Array {
  try {
    return readFileSync(resolve(io.cwd, file));
  } catch (error) {
    throw new OsirisError(
      'usage',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}
