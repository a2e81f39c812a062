// SPEC §3.1, §8: an internet post seen before is the same complaint, never a second one. A post's
// URL comes spelled many ways (copied from an app's share sheet, typed by hand, found by the
// monitoring tool): the spelling that names the post, and only it, is its key.

/** Query parameters that track who shared or clicked a link and never name a post. */
const TRACKING = /^(utm_.*|share.*|spm|fbclid|gclid|igshid|vd_source|from_share|wfr|scene|isappinstalled)$/i;

/**
 * The one spelling of a post's URL: scheme and host in lower case (http and https are one post, and
 * so are `www.` and the bare host), no default port, no fragment, no trailing slash, no tracking
 * parameters, the others sorted. Anything that is not a web URL is returned as given.
 */
export function canonicalPostUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return raw;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return raw;
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  const port = url.port && url.port !== '80' && url.port !== '443' ? `:${url.port}` : '';
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const params = [...url.searchParams.entries()].filter(([name]) => !TRACKING.test(name)).sort(([a, x], [b, y]) => a.localeCompare(b) || x.localeCompare(y));
  const query = params.length ? `?${new URLSearchParams(params).toString()}` : '';
  return `https://${host}${port}${path}${query}`;
}
