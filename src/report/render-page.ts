import { OSIRIS_VERSION } from '../core/index.js';
import { createScriptHashSource, escapeHtml } from './escape-html.js';
import { REPORT_STYLES } from './report-styles.js';
import { REPORT_SCRIPT } from './report-script.js';

/**
 * The shell of every report page: inline styles and script, and a Content-Security-Policy that lets
 * only that exact script run and forbids every fetch, so the page cannot reach the network even if
 * some data slipped past escaping.
 */
export function renderPage(options: { title: string; page: string; body: string; data?: string }): string {
  const csp = [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `script-src ${createScriptHashSource(REPORT_SCRIPT)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">\n` +
    '<meta name="referrer" content="no-referrer">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<meta name="generator" content="osiris ${escapeHtml(OSIRIS_VERSION)}">\n` +
    `<title>${escapeHtml(options.title)}</title>\n<style>${REPORT_STYLES}</style>\n</head>\n` +
    `<body data-page="${escapeHtml(options.page)}">\n${options.body}\n` +
    (options.data ?? '') +
    `<script>${REPORT_SCRIPT}</script>\n</body>\n</html>\n`
  );
}
