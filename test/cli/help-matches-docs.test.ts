// docs/cli.md stays true to the code: every command and every option the built CLI's --help lists
// is documented there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runOsiris } from '../support/run-osiris.js';

const COMMANDS = [
  ['init'],
  ['validate'],
  ['compile'],
  ['run'],
  ['logs', 'list'],
  ['logs', 'show'],
  ['logs', 'last'],
  ['logs', 'gc'],
  ['logs', 'html'],
  ['logs', 'compare'],
  ['state', 'list'],
  ['state', 'show'],
  ['state', 'reset'],
  ['connections', 'list'],
  ['connections', 'doctor'],
  ['components', 'list'],
  ['components', 'show'],
  ['discover'],
  ['mcp'],
];

describe('docs/cli.md matches --help', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/cli.md'), 'utf8');

  it.each(COMMANDS.map((c) => [c.join(' '), c] as const))(
    'osiris %s: command and options documented',
    async (_name, command) => {
      const help = await runOsiris([...command, '--help'], { cwd: REPO_ROOT });
      expect(help.code).toBe(0);
      expect(doc).toContain(command.join(' '));
      const options = [...help.stdout.matchAll(/^\s+(?:-\w, )?(--[a-z0-9-]+)/gm)].map((m) => m[1] as string);
      expect(options.length).toBeGreaterThan(0);
      const missing = options.filter((o) => o !== '--help' && !new RegExp(`${o}(?![a-z-])`).test(doc));
      expect(missing).toEqual([]);
    },
  );
});
