import type { Template } from './parse-template.js';
import { renderTemplate } from './parse-template.js';

interface Region {
  start: number;
  end: number;
}

/** Letters and digits only: inert in every part of a URL, so the template's own punctuation decides. */
function placeholder(index: number): string {
  return `osirisvar${index}x`;
}

/** Host, port and database regions of a probe URL; undefined when the literal text is itself ambiguous. */
function findPlainRegions(probe: string): { user?: Region; hostPort: Region; database?: Region } | undefined {
  const head = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(probe);
  if (!head) return undefined;
  const base = head[0].length;
  const rest = probe.slice(base);
  const at = rest.indexOf('@');
  const firstDelimiter = rest.search(/[/?#]/);
  if (at >= 0 && (rest.indexOf('@', at + 1) >= 0 || (firstDelimiter >= 0 && firstDelimiter < at)))
    return undefined;
  const colon = at < 0 ? -1 : rest.slice(0, at).indexOf(':');
  const user = at < 0 ? undefined : { start: base, end: base + (colon < 0 ? at : colon) };
  const hostStart = at + 1;
  const hostEndRel = rest.slice(hostStart).search(/[/?#]/);
  const hostEnd = hostEndRel < 0 ? rest.length : hostStart + hostEndRel;
  const hostPort = { start: base + hostStart, end: base + hostEnd };
  if (rest[hostEnd] !== '/') return { user, hostPort };
  const dbEndRel = rest.slice(hostEnd + 1).search(/[?#]/);
  const dbEnd = dbEndRel < 0 ? rest.length : hostEnd + 1 + dbEndRel;
  return { user, hostPort, database: { start: base + hostEnd + 1, end: base + dbEnd } };
}

const inside = (r: Region | undefined, s: number, e: number): boolean =>
  r !== undefined && s >= r.start && e <= r.end;

/**
 * Values of the `${VAR}`s of a DSN/URL field that may hold a secret, found BEFORE the substituted string
 * is parsed (an unencoded `@` in a password moves every boundary of the result). The template is read with
 * each variable replaced by an inert placeholder; a variable is not secret only when it lies wholly in the
 * host, port or database, or in the user name with none of `: @ / ? #` in its value. Everything else —
 * the password, the options, a whole DSN in one variable, a template that is ambiguous itself — counts
 * as secret, with its full value.
 */
export function listUrlSecretValues(template: Template, vars: Record<string, string | undefined>): string[] {
  let probe = '';
  const found: Array<{ value: string; start: number; end: number }> = [];
  template.forEach((part, i) => {
    if (part.kind === 'text') {
      probe += part.text;
      return;
    }
    const rendered = renderTemplate([part], vars);
    const start = probe.length;
    probe += placeholder(i);
    if ('value' in rendered && rendered.value !== '')
      found.push({ value: rendered.value, start, end: probe.length });
  });
  const regions = findPlainRegions(probe);
  return found
    .filter(({ value, start, end }) => {
      if (!regions) return true;
      if (inside(regions.hostPort, start, end) || inside(regions.database, start, end)) return false;
      return !(inside(regions.user, start, end) && !/[:@/?#]/.test(value));
    })
    .map((f) => f.value);
}
