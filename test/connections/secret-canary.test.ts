// Secrets must never reach list() output or any error message, in any of the forms a sink could carry.
import { describe, expect, it } from 'vitest';
import { loadConnections } from '../../src/connections/load-connections.js';
import { parseDotenv } from '../../src/connections/parse-dotenv.js';
import { listSecretForms } from '../../src/core/mask.js';
import { catchError, createTempProject } from './temp-project.js';

const CANARY = 'Pw-Canary-7f3a+/=';
const FORMS = listSecretForms(CANARY);
const ENCODED = encodeURIComponent(CANARY);

function expectNoCanary(text: string): void {
  for (const form of FORMS) expect(text, `leaked form ${form}`).not.toContain(form);
}

/** Every text an error exposes: message, string form, stack, own properties. */
function errorText(error: Error): string {
  return [
    error.message,
    String(error),
    error.stack ?? '',
    JSON.stringify(error),
    JSON.stringify(error.cause ?? null),
  ].join('\n');
}

const GOOD_FILE = `connections:
  mysql:
    literal:
      host: h
      user: u
      password: "${CANARY}"
    from_env:
      default: true
      host: h
      password: \${CANARY_PW}
    from_dotenv:
      host: h
      password: \${DOTENV_PW}
    with_default:
      host: h
      password: "\${UNSET_PW:-${CANARY}}"
    missing_var:
      host: h
      # Not a secret field here, but the value is another connection's password: masked by value.
      user: "${CANARY}"
      password: \${NOT_SET_ANYWHERE}
    bad_port:
      host: h
      password: "${CANARY}"
      port: \${BAD_PORT}
    wrong_scheme:
      dsn: "postgres://u:${CANARY}@h/db"
  postgres:
    encoded:
      dsn: postgres://u:${ENCODED}@h:5432/db
    raw:
      dsn: "postgres://u:${CANARY}@h:5432/db"
    in_var:
      dsn: postgres://u:\${CANARY_PW_ENCODED}@h/db
    no_host:
      dsn: "postgres://u:${CANARY}@/db"
    bad_dsn_port:
      dsn: "postgres://u:${ENCODED}@h:99999/db"
  supabase:
    default:
      url: "https://u:${ENCODED}@abc.supabase.co"
      service_role_key: "${CANARY}"
      host: db.abc.supabase.co
`;

const ENV = { CANARY_PW: CANARY, CANARY_PW_ENCODED: ENCODED, BAD_PORT: 'x' };

describe('secret canary', () => {
  const setUp = () => {
    const cwd = createTempProject({
      'osiris_connections.yaml': GOOD_FILE,
      '.env': `DOTENV_PW='${CANARY}'\n`,
    });
    return loadConnections({ file: undefined, root: cwd, env: ENV });
  };

  it('resolves the canary where it belongs (so the checks below can fail)', () => {
    const registry = setUp();
    for (const alias of ['literal', 'from_env', 'from_dotenv', 'with_default']) {
      const resolved = registry.resolve('mysql', alias);
      expect(resolved.fields.password).toBe(CANARY);
      expect(resolved.secrets).toContain(CANARY);
    }
    for (const alias of ['encoded', 'in_var']) {
      const resolved = registry.resolve('postgres', alias);
      expect(resolved.fields.password).toBe(CANARY);
      expect(resolved.secrets).toContain(CANARY);
    }
    expect(registry.resolve('postgres', 'encoded').secrets).toContain(ENCODED);
    expect(registry.resolve('supabase', undefined).secrets).toEqual(
      expect.arrayContaining([CANARY, ENCODED]),
    );
  });

  it('list() shows no form of the canary', () => {
    const listed = setUp().list();
    expect(listed).toHaveLength(13);
    expectNoCanary(JSON.stringify(listed));
    expectNoCanary(JSON.stringify(JSON.stringify(listed)));
  });

  it('no error message of a lookup or resolution carries the canary', () => {
    const registry = setUp();
    const failures: Array<[string, string | undefined, string]> = [
      ['mysql', 'missing_var', 'connection_error'],
      ['mysql', 'bad_port', 'connection_error'],
      // the canary holds an unencoded `/`: the DSN is refused as ambiguous before anything else
      ['mysql', 'wrong_scheme', 'config_error'],
      ['mysql', 'nope', 'connection_error'],
      ['postgres', 'raw', 'config_error'],
      ['postgres', 'no_host', 'config_error'],
      ['postgres', 'bad_dsn_port', 'connection_error'],
      ['postgres', undefined, 'connection_error'],
      ['filesystem', undefined, 'connection_error'],
      ['oracle', 'x', 'connection_error'],
    ];
    for (const [family, alias, code] of failures) {
      const error = catchError(() => registry.resolve(family, alias));
      expect(error.code).toBe(code);
      expectNoCanary(errorText(error));
    }
  });

  it.each([
    ['nested mapping', `password: ${CANARY}: x`],
    ['unterminated quote', `password: "${CANARY}`],
    ['unterminated flow', `password: [${CANARY}`],
    ['bad escape', `password: "\\q${CANARY}"`],
    ['tag on a list', `password: !${CANARY} [x]`],
    ['alias', `password: *${CANARY.slice(0, 9)}`],
    ['list value', `password: [${CANARY}]`],
    ['unknown field', `passwrd: "${CANARY}"`],
    ['default', `default: "${CANARY}"`],
    ['port', `port: "${CANARY}"`],
    ['broken reference', `password: "${CANARY}\${OPEN"`],
    ['bad reference name', `password: "\${${CANARY}}"`],
    ['block scalar header', `password: |${CANARY}\n        x`],
  ])('a file error (%s) does not carry the canary', (_name, line) => {
    const cwd = createTempProject({
      'osiris_connections.yaml': `connections:\n  mysql:\n    a:\n      host: h\n      ${line}\n`,
    });
    const error = catchError(() => loadConnections({ file: undefined, root: cwd, env: {} }));
    expect(error.code).toBe('config_error');
    expectNoCanary(errorText(error));
  });

  it('.env errors do not carry the canary', () => {
    for (const text of [`${CANARY}\n`, `A="${CANARY}\n`, `${CANARY}=x\n`]) {
      const error = catchError(() => parseDotenv(text, '.env'));
      expect(error.code).toBe('config_error');
      expectNoCanary(errorText(error));
    }
  });
});
