import type { ArtifactFile } from '../core/index.js';
import { escapeHtml } from './escape-html.js';
import { formatBytes } from './format-values.js';

/** Total preview text one page embeds; beyond it files are listed without a preview. */
const PREVIEW_BUDGET = 1_500_000;

interface TreeDir {
  dirs: Map<string, TreeDir>;
  files: ArtifactFile[];
}

function buildTree(files: readonly ArtifactFile[]): TreeDir {
  const root: TreeDir = { dirs: new Map(), files: [] };
  for (const f of files) {
    const parts = f.path.split('/').filter(Boolean);
    parts.pop();
    let dir = root;
    for (const part of parts) {
      let next = dir.dirs.get(part);
      if (!next) {
        next = { dirs: new Map(), files: [] };
        dir.dirs.set(part, next);
      }
      dir = next;
    }
    dir.files.push(f);
  }
  return root;
}

/** Pretty-print JSON previews (cleaned configs); other text as is. */
function formatPreview(path: string, preview: string, size: number): string {
  const complete = Buffer.byteLength(preview, 'utf8') >= size;
  if (path.endsWith('.json') && complete) {
    try {
      return JSON.stringify(JSON.parse(preview), null, 2);
    } catch {
      // not valid JSON after all: show the text
    }
  }
  return complete ? preview : `${preview}\n… [preview ends here; the file has ${formatBytes(size)}]`;
}

/** The artifacts/ tree with a preview of each text or JSON file. */
export function renderArtifacts(files: readonly ArtifactFile[]): string {
  if (files.length === 0) return '<p class="note">artifacts/ is empty.</p>';
  let budget = PREVIEW_BUDGET;
  const renderFile = (f: ArtifactFile): string => {
    const name = f.path.split('/').pop() ?? f.path;
    const meta = `<span class="file-meta">${escapeHtml(formatBytes(f.size))} · ${escapeHtml(f.sha256.slice(0, 19))}…</span>`;
    if (f.preview === undefined)
      return `<li data-path="${escapeHtml(f.path)}">${escapeHtml(name)}${meta} <span class="note">(binary)</span></li>`;
    if (budget - f.preview.length < 0)
      return `<li data-path="${escapeHtml(f.path)}">${escapeHtml(name)}${meta} <span class="note">(preview omitted: page size budget)</span></li>`;
    budget -= f.preview.length;
    return (
      `<li data-path="${escapeHtml(f.path)}"><details><summary>${escapeHtml(name)}${meta}</summary>` +
      `<pre>${escapeHtml(formatPreview(f.path, f.preview, f.size))}</pre></details></li>`
    );
  };
  const renderDir = (dir: TreeDir): string =>
    [...dir.dirs.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([name, sub]) =>
          `<li><details open><summary>${escapeHtml(name)}/</summary><ul class="tree">${renderDir(sub)}</ul></details></li>`,
      )
      .join('') + dir.files.map(renderFile).join('');
  const total = files.reduce((n, f) => n + f.size, 0);
  return (
    `<p class="note">${files.length} files, ${escapeHtml(formatBytes(total))}. Configs are the cleaned ones the session wrote (secrets masked).</p>` +
    `<ul class="tree root" id="artifact-tree">${renderDir(buildTree(files))}</ul>`
  );
}
