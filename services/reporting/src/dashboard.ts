import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import Handlebars from 'handlebars';
import { LABELS, monthSchema, previousMonth } from '@complaints/shared';

// The dashboard (SPEC §6): the month's scorecards as a sortable, filterable table with charts
// (Chart.js, served from its npm package: no CDN) and exports. The page holds no data: it signs in
// with a token and reads /api/reports/scorecard, which enforces who sees what. Its script and
// stylesheet are files in ../public: the page's Content Security Policy runs nothing inline.

const hb = Handlebars.create();
hb.registerHelper('json', (value: unknown) => new hb.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')));
const view = hb.compile(readFileSync(path.resolve(__dirname, '../views/dashboard.hbs'), 'utf8'));
// The UMD build beside the package's main file (its exports map hides the path itself).
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');
const PUBLIC_DIR = path.resolve(__dirname, '../public');

/** `intakeBaseUrl`: where the console's complaint pages are, for the dashboard's link back to them. */
export function dashboardRoutes(deps: { intakeBaseUrl?: string } = {}): Router {
  const router = express.Router();
  router.get('/assets/chart.umd.js', (_req, res) => res.type('application/javascript').sendFile(CHART_JS));
  // Revalidated by ETag: after an upgrade the page never runs yesterday's script.
  router.use('/assets', express.static(PUBLIC_DIR, { index: false }));
  router.get(['/', '/dashboard'], (req, res) => {
    // Last month by default: the month whose scores are complete; `?month=YYYY-MM` opens another (a link to share).
    const asked = monthSchema.safeParse(req.query.month);
    res.type('html').send(view({ month: asked.success ? asked.data : previousMonth(new Date()), categories: LABELS.zh.category, consoleHref: `${(deps.intakeBaseUrl ?? '').replace(/\/$/, '')}/complaints` }));
  });
  return router;
}
