const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'api_key',
  'apikey',
  'access_key',
  'private_key',
  'secret_key',
  'service_role_key',
]);

// `_key` alone is not a suffix: `primary_key` and `sort_key` are ordinary config.
const SECRET_SUFFIXES = [
  '_password',
  '_passwd',
  '_pwd',
  '_secret',
  '_token',
  '_api_key',
  '_apikey',
  '_access_key',
  '_private_key',
  '_secret_key',
  '_service_role_key',
];

/** Normalize `serviceRoleKey`, `Service-Role-Key` and `service_role_key` to the same snake_case name. */
function normalizeKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[-\s.]+/g, '_');
}

/** True for a key whose value is a secret by its name (password, token, api_key, *_secret, ...), any case or style. */
export function isSecretKey(key: string): boolean {
  const name = normalizeKey(key);
  return SECRET_KEYS.has(name) || SECRET_SUFFIXES.some((suffix) => name.endsWith(suffix));
}
