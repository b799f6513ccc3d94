// Scans of the secret canary suites: every form of a secret in any case, JSON files that do not parse,
// a common-word secret where it would be the secret, and what text masking used to break in a session.
import { readFileSync } from 'node:fs';

/** Which forms occur in `bytes` in any letter case (as `<where>: <form>`). */
export function findFormsAnyCase(where: string, bytes: Buffer | string, forms: readonly string[]): string[] {
  const text = (typeof bytes === 'string' ? bytes : bytes.toString('utf8')).toLowerCase();
  return forms.filter((f) => text.includes(f.toLowerCase())).map((f) => `${where}: ${f}`);
}

/** Files among `files` that do not parse: a `.json` as a whole, a `.jsonl` line by line. */
export function listUnparsableJson(files: readonly string[]): string[] {
  return files.flatMap((file) => {
    if (!/\.jsonl?$/.test(file)) return [];
    const text = readFileSync(file, 'utf8');
    const docs = file.endsWith('.jsonl') ? text.split('\n').filter((l) => l.trim() !== '') : [text];
    return docs.flatMap((doc, i) => {
      try {
        JSON.parse(doc);
        return [];
      } catch {
        return [`${file}${file.endsWith('.jsonl') ? `:${i + 1}` : ''}`];
      }
    });
  });
}

/**
 * Where a secret that is a common word (`true`, `step`, `2026`) must not be, since the word itself may
 * legitimately appear (the JSON literal `true`, the event `step_start`): in a credential position of any
 * text (`:SECRET@`, `password=SECRET`, `"password":"SECRET"`), as a password or DSN password of a cleaned
 * config, or anywhere inside the human log's messages (every occurrence in free text is masked).
 */
export function findBoundSecret(where: string, text: string, secret: string): string[] {
  const hits: string[] = [];
  for (const bound of [`:${secret}@`, `password=${secret}`, `"password":${JSON.stringify(secret)}`])
    if (text.includes(bound)) hits.push(`${where}: ${bound}`);
  if (where.endsWith('cleaned_config.json')) {
    const config = JSON.parse(text) as { resolved_connection?: Record<string, unknown> };
    const conn = config.resolved_connection ?? {};
    if ('password' in conn && conn.password !== '***MASKED***') hits.push(`${where}: password not masked`);
    const dsn = typeof conn.dsn === 'string' ? /^[a-z]+:\/\/[^:@/]*:([^@]*)@/.exec(conn.dsn)?.[1] : undefined;
    if (dsn !== undefined && dsn !== '***MASKED***') hits.push(`${where}: dsn password not masked`);
  }
  if (where.endsWith('osiris.log')) {
    const messages = text.split('\n').map((l) => l.replace(/^\S+ +\S+ +/, ''));
    if (messages.some((m) => m.toLowerCase().includes(secret.toLowerCase())))
      hits.push(`${where}: ${secret} in a log message`);
  }
  return hits;
}

const STATUS_KEYS = [
  'session_id',
  'status',
  'ok',
  'exit_code',
  'steps_total',
  'steps_completed',
  'started_at',
];

/**
 * What text masking used to break in a session file (a password `step`, `2026` or `postgres`): a
 * rewritten manifest or cfg, status keys, timestamps, event or metric names. Empty when intact.
 */
export function findSessionDamage(where: string, text: string): string[] {
  const isDate = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
  const name = /^[a-z][a-z0-9_.]*$/;
  if (where.endsWith('manifest.yaml') || /\/cfg\/[^/]+\.json$/.test(where))
    return text.includes('***MASKED***') ? [`${where}: rewritten`] : [];
  if (where.endsWith('status.json')) {
    const status = JSON.parse(text) as Record<string, unknown>;
    const missing = STATUS_KEYS.filter((k) => !(k in status));
    if (missing.length || !isDate(status.started_at) || !isDate(status.finished_at))
      return [`${where}: keys ${missing.join(', ')} missing or times not dates`];
    return [];
  }
  if (!where.endsWith('events.jsonl') && !where.endsWith('metrics.jsonl')) return [];
  return text
    .split('\n')
    .filter((l) => l !== '')
    .flatMap((l, i) => {
      const line = JSON.parse(l) as Record<string, unknown>;
      const id = line.event ?? line.metric;
      return isDate(line.ts) && typeof id === 'string' && name.test(id)
        ? []
        : [`${where}:${i + 1}: ts or name`];
    });
}
