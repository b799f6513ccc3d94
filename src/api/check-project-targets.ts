import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { CompileOutput } from '../compiler/index.js';
import type { DriverTable } from '../core/index.js';
import { OsirisError } from '../core/index.js';
import type { Project } from './resolve-project.js';

/** Where Osiris keeps its own files in a project; a writer writing there would corrupt them. */
export interface OsirisPlaces {
  /** The OML file compiled. */
  pipelineFile: string;
  /** The build directory root (`--out`, default `<root>/build`). */
  buildRoot: string;
}

/** The first segment of `path` under `dir`, or undefined when `path` is not inside `dir`. */
function readFirstSegment(dir: string, path: string): string | undefined {
  const rel = relative(dir, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep)[0];
}

/**
 * The checks of writer paths that need the project (the compiler compares paths within the pipeline):
 * a writer never writes the pipeline file itself, a session directory, this pipeline's builds or .osiris/.
 * Paths given with a filesystem connection resolve at run time and are not checked here.
 */
export function checkProjectTargets(
  out: CompileOutput,
  drivers: DriverTable,
  project: Project,
  places: OsirisPlaces,
): void {
  // Only what Osiris owns: the sessions in logs/, this pipeline's builds, all of .osiris/.
  const guarded: Array<{ dir: string; owns: (first: string) => boolean; what: string }> = [
    {
      dir: resolve(project.root, 'logs'),
      owns: (f) => f.startsWith('run_'),
      what: 'a session directory in logs/',
    },
    { dir: places.buildRoot, owns: (f) => f === out.pipelineId, what: "this pipeline's build directory" },
    { dir: resolve(project.root, '.osiris'), owns: () => true, what: "Osiris's state directory (.osiris)" },
  ];
  for (const step of out.manifest.steps) {
    const spec = drivers.get(step.component)?.spec;
    const text = out.cfgs.get(step.id)?.text;
    if (step.mode !== 'write' || !spec || text === undefined) continue;
    const config = JSON.parse(text) as Record<string, unknown>;
    if (typeof config.connection === 'string') continue;
    for (const key of spec.pathKeys) {
      const value = config[key];
      if (typeof value !== 'string') continue;
      const target = resolve(project.dataDir, value);
      const owner = guarded.find((g) => {
        const first = readFirstSegment(g.dir, target);
        return first !== undefined && g.owns(first);
      });
      const why =
        target === places.pipelineFile
          ? 'is the pipeline file itself'
          : owner && `lies in ${owner.what}, where Osiris keeps its own files`;
      if (!why) continue;
      throw new OsirisError('config_error', `config.${key} '${value}' ${why}; write elsewhere`, {
        where: step.id,
      });
    }
  }
}
