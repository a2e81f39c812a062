import path from 'node:path';
import express, { type Router } from 'express';
import { CLOSED_STATUSES, DEALER_LOOP_KINDS, FINISHED_STATUSES, LABELS, OPEN_STATUSES, REPLYABLE_STATUSES, WITH_DEALER_STATUSES, type Language } from '@complaints/shared';

// The staff console: small browser modules (Preact + htm, no build step) that call the JSON API,
// which keeps every rule, scope and refusal. Intake and reporting both serve its files at
// /assets/console/ and the one HTML shell its pages start from; the shell holds no data.

const CONSOLE_DIR = path.resolve(__dirname, '../console');
// Preact 10 with its hooks and htm, one ES module: the console's only library. Found beside htm's
// main file, since the package exports no path to it for Node.
const VENDOR_PREACT = path.resolve(path.dirname(require.resolve('htm')), '../preact/standalone.module.js');

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The console's files at `/assets/console/`: its modules and stylesheet, Preact, and the product's labels. */
export function consoleAssets(): Router {
  const router = express.Router();
  // The words of statuses, categories, channels… as the rest of the product says them (shared's LABELS).
  const labels = `export default ${JSON.stringify(LABELS).replace(/</g, '\\u003c')};\n`;
  const vocabulary = `export default ${JSON.stringify({ OPEN_STATUSES, WITH_DEALER_STATUSES, REPLYABLE_STATUSES, FINISHED_STATUSES, CLOSED_STATUSES, DEALER_LOOP_KINDS })};\n`;
  router.get('/assets/console/labels.js', (_req, res) => {
    res.type('text/javascript').set('cache-control', 'no-cache').send(labels);
  });
  // The statuses' groups and the dealer loop's kinds, as the workflow and the API decide them.
  router.get('/assets/console/vocabulary.js', (_req, res) => {
    res.type('text/javascript').set('cache-control', 'no-cache').send(vocabulary);
  });
  router.get('/assets/console/vendor/preact.js', (_req, res) => {
    res.type('text/javascript').set('cache-control', 'public, max-age=86400').sendFile(VENDOR_PREACT);
  });
  // no-cache: a new release's modules are fetched again (checked by ETag), never mixed with old ones.
  router.use('/assets/console', express.static(CONSOLE_DIR, { index: false, setHeaders: (res) => res.setHeader('cache-control', 'no-cache') }));
  return router;
}

export interface ConsoleShellOptions {
  title: string;
  lang: Language;
  nonce?: string;
  /** Which service serves this page, so that links to the other one use its address. */
  service: 'intake' | 'reporting';
  /** Where intake's pages are (the complaint pages, the directory, users, tokens). */
  intakeBaseUrl?: string;
  /** Where reporting's pages are (the dashboard, penalties, service visits). */
  reportingBaseUrl?: string;
}

/** The HTML every console page starts from: main.js picks the page by its path and draws it into #root. */
export function consoleShell(options: ConsoleShellOptions): string {
  const attr = (name: string, value: string | undefined) => (value ? ` data-${name}="${escapeHtml(value)}"` : '');
  const nonce = options.nonce ? ` nonce="${escapeHtml(options.nonce)}"` : '';
  return `<!doctype html>
<html lang="${options.lang === 'en' ? 'en' : 'zh-CN'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<link rel="stylesheet" href="/assets/console/console.css">
<script type="module" src="/assets/console/main.js"${nonce}></script>
</head>
<body>
<div id="root"${attr('service', options.service)}${attr('lang', options.lang)}${attr('intake', options.intakeBaseUrl)}${attr('reporting', options.reportingBaseUrl)}></div>
</body>
</html>
`;
}
