// Manifest integrity (issue 8 §5): `osiris run` of a compiled manifest checks manifest_fp and each cfg's
// sha256 before anything runs; an edited file is refused with exit 2, named, and no session is created.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, runOsiris } from '../support/run-osiris.js';

const PIPELINE = `oml_version: "0.1.0"
name: integrity
steps:
  - id: extract
    component: filesystem.csv_extractor
    mode: read
    config:
      path: data/in.csv
  - id: keep-big
    component: duckdb.processor
    mode: transform
    config:
      query: SELECT * FROM input_df WHERE n > 1
  - id: save
    component: filesystem.csv_writer
    mode: write
    config:
      path: out/result.csv
`;

describe('osiris run checks a compiled manifest before it runs', () => {
  let project: string;
  let manifestPath: string;
  let buildDir: string;
  const projects: string[] = [];

  // A fresh compile for each case, so one edit never leaks into the next.
  async function compileFresh(): Promise<void> {
    project = createProject({ 'pipelines/p.yaml': PIPELINE, 'data/in.csv': 'n,name\n1,a\n2,b\n3,c\n' });
    projects.push(project);
    const compiled = await runOsiris(['compile', 'pipelines/p.yaml', '--json'], { cwd: project });
    expect(compiled.code, compiled.stderr).toBe(0);
    manifestPath = join(project, (JSON.parse(compiled.stdout) as { manifest_path: string }).manifest_path);
    buildDir = join(manifestPath, '..');
  }

  const sessions = () => (existsSync(join(project, 'logs')) ? readdirSync(join(project, 'logs')) : []);
  const edit = (path: string, change: (text: string) => string) =>
    writeFileSync(path, change(readFileSync(path, 'utf8')));

  beforeAll(compileFresh);
  afterAll(() => {
    for (const dir of projects) rmSync(dir, { recursive: true, force: true });
  });

  it('runs an untouched manifest, by --last-compile and by path', async () => {
    const last = await runOsiris(['run', '--last-compile'], { cwd: project });
    expect(last.code, last.stderr).toBe(0);
    const byPath = await runOsiris(['run', relative(project, manifestPath)], { cwd: project });
    expect(byPath.code, byPath.stderr).toBe(0);
    expect(readFileSync(join(project, 'out/result.csv'), 'utf8')).toBe('n,name\n2,b\n3,c\n');
    expect(sessions()).toHaveLength(2);
  });

  it('refuses an edited cfg (exit 2, the file named, no session) on both ways of running', async () => {
    await compileFresh();
    edit(join(buildDir, 'cfg/keep-big.json'), (t) => t.replace('n > 1', 'n > 0'));
    for (const args of [['--last-compile'], [relative(project, manifestPath)]]) {
      const run = await runOsiris(['run', ...args], { cwd: project });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error [compile_error]: ');
      expect(run.stderr).toContain(
        `${relative(project, join(buildDir, 'cfg/keep-big.json'))}: edited after compile: its sha256 is sha256:`,
      );
      expect(run.stderr).toContain("for step 'keep-big'");
    }
    expect(sessions()).toEqual([]);
    expect(existsSync(join(project, 'out/result.csv'))).toBe(false);
  });

  it('refuses an edited manifest: content (manifest_fp) and text alike', async () => {
    await compileFresh();
    edit(manifestPath, (t) => t.replace('profile: default', 'profile: prod'));
    const content = await runOsiris(['run', '--last-compile', '--json'], { cwd: project });
    expect(content.code).toBe(2);
    const error = (JSON.parse(content.stdout) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('compile_error');
    expect(error.message).toMatch(
      /manifest\.yaml: edited after compile: its content gives manifest_fp sha256:[0-9a-f]{64}, but it records sha256:[0-9a-f]{64}/,
    );

    edit(manifestPath, (t) => t.replace('profile: prod', 'profile: default'));
    edit(manifestPath, (t) => `# reviewed\n${t}`);
    const text = await runOsiris(['run', relative(project, manifestPath)], { cwd: project });
    expect(text.code).toBe(2);
    expect(text.stderr).toContain(
      'manifest.yaml: edited after compile: its text differs from what the compiler wrote from line 1 on',
    );
    expect(sessions()).toEqual([]);
  });

  it('refuses a manifest rewritten with fresh fingerprints that the compile pointer does not know', async () => {
    await compileFresh();
    // A consistent rewrite: a cfg edited, its cfg_fp and manifest_fp recomputed by hand.
    const { createFingerprint } = await import('../../src/core/fingerprint.js');
    const { createManifestFingerprint, parseManifest, writeManifestText } =
      await import('../../src/compiler/index.js');
    const cfgFile = join(buildDir, 'cfg/keep-big.json');
    edit(cfgFile, (t) => t.replace('n > 1', 'n > 0'));
    const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), 'manifest.yaml');
    const step = manifest.steps.find((s) => s.id === 'keep-big');
    if (!step) throw new Error('keep-big missing');
    step.cfg_fp = createFingerprint(readFileSync(cfgFile, 'utf8'));
    manifest.pipeline.fingerprints.manifest_fp = createManifestFingerprint(manifest);
    writeFileSync(manifestPath, writeManifestText(manifest));
    const run = await runOsiris(['run', '--last-compile'], { cwd: project });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('changed after compile: .osiris/last_compile.json records manifest_fp');
    expect(sessions()).toEqual([]);
  });

  it('refuses a manifest compiled before cfg hashes were recorded', async () => {
    await compileFresh();
    // cfg_fp sorts first in each step: `  - cfg_fp: ...` then `    cfg_path: ...`
    edit(manifestPath, (t) => t.replace(/^ {2}- cfg_fp: .*\n {4}/gm, '  - '));
    const run = await runOsiris(['run', relative(project, manifestPath)], { cwd: project });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "steps[0].cfg_fp: missing key 'cfg_fp' in steps[0] (recompile the pipeline with `osiris compile`)",
    );
    expect(sessions()).toEqual([]);
  });
});

describe('osiris validate and compile read OML as UTF-8 only', () => {
  it('names UTF-16 and the first bad byte, and accepts a UTF-8 byte-order mark', async () => {
    const dir = createProject({});
    try {
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(PIPELINE, 'utf16le')]);
      writeFileSync(join(dir, 'wide.yaml'), utf16);
      const wide = await runOsiris(['validate', 'wide.yaml'], { cwd: dir });
      expect(wide.code).toBe(2);
      expect(wide.stderr).toBe(
        'wide.yaml:1:1: the file is UTF-16 LE, not UTF-8 (byte-order mark FF FE at byte offset 0) (OML files must be UTF-8: save it as UTF-8 and compile again)\n',
      );
      const latin1 = Buffer.from(PIPELINE.replace('name: integrity', 'name: café'), 'latin1');
      writeFileSync(join(dir, 'latin1.yaml'), latin1);
      const compiled = await runOsiris(['compile', 'latin1.yaml'], { cwd: dir });
      expect(compiled.code).toBe(2);
      expect(compiled.stderr).toContain(
        `latin1.yaml:2:10: the file is not valid UTF-8: byte 0xE9 at byte offset ${latin1.indexOf(0xe9)}`,
      );
      expect(existsSync(join(dir, 'build'))).toBe(false);
      writeFileSync(join(dir, 'bom.yaml'), `\uFEFF${PIPELINE}`);
      const bom = await runOsiris(['validate', 'bom.yaml'], { cwd: dir });
      expect(bom.code, bom.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
