// Helpers for the tests of the pages' Content Security Policy (intake and reporting alike).
import type { Page } from 'playwright-core';

/** The Content-Security-Policy header as directive → sources. */
export function cspOf(header: string | undefined): Record<string, string[]> {
  return Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** Records every Content Security Policy violation a page reports, from its first script on; call the result to read them. */
export async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  // Page-side code as text: the tests are compiled without the DOM's types.
  await page.addInitScript(`
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI));
  `);
  return () => page.evaluate('window.cspViolations') as Promise<string[]>;
}
