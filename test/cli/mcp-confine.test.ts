// The confinement of MCP path arguments to the project directory, on a real tree with symlinks:
// inside paths (new files and directories too) resolve to real paths, every way out is a usage error.
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { confinePath, confineRelative } from '../../src/cli/mcp-confine.js';
import { createTempDir } from '../support/temp-dirs.js';

let root: string;
let outside: string;

beforeAll(() => {
  root = realpathSync(createTempDir('osiris-confine-root-'));
  outside = realpathSync(createTempDir('osiris-confine-out-'));
  mkdirSync(join(root, 'pipelines'));
  writeFileSync(join(root, 'pipelines', 'a.yaml'), 'x');
  writeFileSync(join(outside, 'b.yaml'), 'x');
  symlinkSync(join(root, 'pipelines'), join(root, 'alias')); // inside → inside
  symlinkSync(outside, join(root, 'out-dir')); // inside → outside
  symlinkSync(join(outside, 'b.yaml'), join(root, 'pipelines', 'b.yaml')); // a file link out
  symlinkSync(join(outside, 'nowhere.yaml'), join(root, 'pipelines', 'dangling.yaml')); // dangling, out
});

describe('confinePath', () => {
  it('resolves paths inside the project, existing or not, relative or absolute', () => {
    expect(confinePath(root, 'pipelines/a.yaml')).toBe(join(root, 'pipelines', 'a.yaml'));
    expect(confinePath(root, join(root, 'pipelines', 'a.yaml'))).toBe(join(root, 'pipelines', 'a.yaml'));
    expect(confinePath(root, 'new/dir/c.yaml')).toBe(join(root, 'new', 'dir', 'c.yaml'));
    expect(confinePath(root, 'pipelines/../pipelines/a.yaml')).toBe(join(root, 'pipelines', 'a.yaml'));
    // a symlink that stays inside resolves to its target
    expect(confineRelative(root, 'alias/a.yaml')).toBe(join('pipelines', 'a.yaml'));
    expect(confineRelative(root, '.')).toBe('.');
  });

  it.each([
    ['../x.yaml'],
    ['pipelines/../../x.yaml'],
    ['/etc/passwd'],
    ['out-dir/b.yaml'],
    ['out-dir/new/c.yaml'],
    ['pipelines/b.yaml'],
  ])('refuses %s (outside the project)', (path) => {
    expect(() => confinePath(root, path)).toThrow(/outside the project directory/);
  });

  it('refuses a dangling symlink (writing through it would create a file outside) and empty paths', () => {
    expect(() => confinePath(root, 'pipelines/dangling.yaml')).toThrow(/dangling symlink/);
    expect(() => confinePath(root, '')).toThrow(/non-empty path/);
    expect(() => confinePath(root, 'a\0b')).toThrow(/non-empty path/);
    expect(() => confinePath(root, 42)).toThrow(/non-empty path/);
  });
});
