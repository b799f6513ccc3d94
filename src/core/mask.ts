/** The replacement for every secret value. */
export const MASK = '***MASKED***';

/** Replaces secret values in any text; built once per run from the resolved secrets. */
export type Masker = (text: string) => string;

// Shorter than this, a "secret" would mask ordinary words and digits everywhere.
const MIN_SECRET_LENGTH = 4;

/** Every form a secret can take on its way into a file: raw, URL-encoded, JSON-escaped, base64. */
export function listSecretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(encodeURI(secret));
  forms.add(JSON.stringify(secret).slice(1, -1));
  forms.add(JSON.stringify(JSON.stringify(secret)).slice(3, -3));
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  forms.add(b64);
  forms.add(b64.replace(/=+$/, ''));
  forms.add(Buffer.from(secret, 'utf8').toString('base64url'));
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Build a masker for these secret values (longest forms first so a prefix never leaves a tail). */
export function createMasker(secrets: Iterable<string>): Masker {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)
      for (const f of listSecretForms(s)) forms.add(f);
  }
  if (forms.size === 0) return (text) => text;
  const pattern = new RegExp(
    [...forms]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return (text) => (typeof text === 'string' ? text.replace(pattern, MASK) : text);
}
