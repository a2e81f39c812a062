import express, { type Router } from 'express';
import { consoleAssets, consoleShell, cspNonce } from '@complaints/runtime';

// The console pages reporting serves (their API is reporting's): the coordinator's penalties and
// service-visit imports, and the policy what-if. Each answer is the console's one HTML shell; the page module reads the
// session and the API, which keeps every rule and refusal. Links to intake's pages use its address.

export const REPORTING_CONSOLE_ROUTES = ['/penalties', '/service-visits', '/what-if'];

export function consolePageRoutes(deps: { intakeBaseUrl?: string; reportingBaseUrl?: string }): Router {
  const router = express.Router();
  router.use(consoleAssets());
  for (const route of REPORTING_CONSOLE_ROUTES) {
    router.get(route, (req, res) => {
      const lang = req.query.lang === 'en' ? 'en' : 'zh';
      res
        .set('cache-control', 'no-store')
        .type('html')
        .send(consoleShell({ title: lang === 'en' ? 'Complaint loop' : '投诉闭环', lang, nonce: cspNonce(res), service: 'reporting', intakeBaseUrl: deps.intakeBaseUrl, reportingBaseUrl: deps.reportingBaseUrl }));
    });
  }
  return router;
}
