import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import { parse } from 'yaml';
import { createLogger } from '@complaints/runtime';
import { createApp as createReportingApp } from '@complaints/reporting/src/app';
import { configSchema } from '@complaints/shared';
import { SEARCH_ATTRIBUTE_KEYS } from '@complaints/workflows';
import { ROOT, temporalArgs } from '../scripts/lib/stack';

// docker-compose.yml cannot run here (no Docker engine); this keeps it consistent with the code.
describe('docker-compose.yml (production)', () => {
  const text = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  const compose = parse(text, { merge: true }) as {
    services: Record<string, { environment?: Record<string, unknown>; command?: string[]; ports?: string[]; expose?: string[]; volumes?: string[]; depends_on?: unknown }>;
  };
  /** What compose makes of `${NAME:-default}` when NAME is not set in the operator's environment. */
  const unset = (value: unknown) => String(value).replace(/\$\{[A-Z0-9_]+:?-([^}]*)\}/g, '$1');
  /** The host side of a published port: `[address:]port`. */
  const hostSide = (port: string) => port.split(':').slice(0, -1).join(':');
  const known = new Set([...Object.keys(configSchema.shape), 'SERVICE']);

  it.each(['intake', 'notifier', 'reporting'])('gives %s only variables the config schema knows, and every required one', (service) => {
    const env = compose.services[service]!.environment!;
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    const required = Object.entries(configSchema.shape)
      .filter(([, schema]) => !schema.safeParse(undefined).success)
      .map(([name]) => name);
    expect(required.filter((name) => !(name in env))).toEqual([]);
  });

  it('runs MongoDB as a replica set with a persistent volume, and Temporal with its own database and UI', () => {
    expect(compose.services.mongo!.command).toContain('--replSet');
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['temporal', 'temporal-db', 'temporal-ui']));
  });

  it('points the Temporal UI at intake’s codec endpoint with credentials, and gives every service the payload keys', () => {
    const ui = compose.services['temporal-ui']!.environment!;
    expect(String(ui.TEMPORAL_CODEC_ENDPOINT)).toMatch(/^\$\{PUBLIC_BASE_URL[^}]*\}\/codec$/);
    expect(String(ui.TEMPORAL_CODEC_INCLUDE_CREDENTIALS)).toBe('true');
    for (const service of ['intake', 'notifier', 'reporting']) expect(String(compose.services[service]!.environment!.PAYLOAD_KEYS)).toMatch(/^\$\{PAYLOAD_KEYS:\?/);
  });

  it('gives Temporal the dynamic configuration the dev server of `npm start` and the tests runs with', () => {
    const temporal = compose.services.temporal!;
    const mount = temporal.volumes?.find((v) => v.startsWith('./deploy/temporal-dynamicconfig.yaml:'));
    expect(mount).toBeDefined();
    expect(mount!.split(':')[1]).toBe(temporal.environment!.DYNAMIC_CONFIG_FILE_PATH);
    const settings = parse(readFileSync(path.join(ROOT, 'deploy/temporal-dynamicconfig.yaml'), 'utf8')) as Record<string, { value: unknown }[]>;
    // The mutable-state cache holds every complaint a cutoff's clocks wake at once (bench burst).
    expect(settings['history.cacheMaxSize']?.[0]?.value).toBeGreaterThanOrEqual(10_000);
    const args = temporalArgs({ port: 7233, logFile: '' });
    for (const [key, [{ value }]] of Object.entries(settings) as [string, [{ value: unknown }]][]) {
      expect(args[args.indexOf(`${key}=${JSON.stringify(value)}`) - 1]).toBe('--dynamic-config-value');
    }
  });

  it('registers every search attribute the workflows use', () => {
    const setup = compose.services['temporal-setup']!.command!.join(' ');
    for (const key of SEARCH_ATTRIBUTE_KEYS) expect(setup).toMatch(new RegExp(`\\b${key.name}=`));
  });

  describe('seen only by those who need it', () => {
    it('publishes nothing past the proxy but the proxy itself and, on this host only, the Temporal UI', () => {
      const published = Object.entries(compose.services).flatMap(([name, service]) => (service.ports ?? []).map((port) => ({ name, host: hostSide(port) })));
      for (const { name, host } of published) {
        if (name === 'proxy') continue;
        expect({ name, host }).toEqual({ name, host: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
      }
      expect(compose.services.proxy!.ports).toEqual(expect.arrayContaining(['443:443']));
    });

    it('sets TRUST_PROXY only on the services the proxy forwards to, which publish no port of their own', () => {
      const caddyfile = readFileSync(path.join(ROOT, compose.services.proxy!.volumes!.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'))!.split(':')[0]!), 'utf8')
        .split('\n')
        .filter((line) => !line.trim().startsWith('#'))
        .join('\n');
      for (const [name, service] of Object.entries(compose.services)) {
        const trusts = service.environment?.TRUST_PROXY !== undefined;
        const proxied = new RegExp(`reverse_proxy\\s+${name}:\\d+`).test(caddyfile);
        // A service that trusted X-Forwarded-For without the proxy in front would let anyone pick their address.
        if (trusts) expect({ name, proxied }).toEqual({ name, proxied: true });
        if (proxied) expect({ name, ports: service.ports }).toEqual({ name, ports: undefined });
      }
      expect(compose.services.intake!.environment!.TRUST_PROXY).toBeDefined(); // the public form's rate limit needs clients' addresses
    });

    it('serves the staff pages of both services on the public host, so that one sign-in serves both and emails link there', () => {
      const caddyfile = readFileSync(path.join(ROOT, 'deploy/Caddyfile'), 'utf8');
      const publicSite = caddyfile.slice(caddyfile.indexOf('{$PUBLIC_HOST} {'));
      const reportingPaths = /@reporting path ([^\n]+)/.exec(publicSite)?.[1]?.split(/\s+/) ?? [];
      expect(reportingPaths).toEqual(expect.arrayContaining(['/dashboard', '/penalties', '/service-visits', '/api/reports/*']));
      expect(publicSite).toMatch(/handle @reporting \{\s*reverse_proxy reporting:3002/);
      // The dashboard address in scorecard emails and the console's links to reporting's pages.
      for (const name of ['intake', 'reporting']) expect(compose.services[name]!.environment!.REPORTING_BASE_URL).toBe(compose.services[name]!.environment!.PUBLIC_BASE_URL);
    });

    it('routes every page, asset and API path reporting serves to reporting (derived from its app), the rest to intake', () => {
      const caddyfile = readFileSync(path.join(ROOT, 'deploy/Caddyfile'), 'utf8');
      const publicSite = caddyfile.slice(caddyfile.indexOf('{$PUBLIC_HOST} {'));
      const matchers = (/@reporting path ([^\n]+)/.exec(publicSite)?.[1] ?? '').trim().split(/\s+/);
      // Caddy's path matcher: the whole path, or a prefix where it ends in `*`.
      const toReporting = (p: string) => matchers.some((m) => (m.endsWith('*') ? p.startsWith(m.slice(0, -1)) : p === m));
      const app = createReportingApp({ mongo: mongoose.createConnection() as never, temporal: undefined as never, logger: createLogger('routes', 'silent'), models: {} as never, secret: 'x'.repeat(40) });
      const paths: string[] = [];
      const walk = (stack: { route?: { path: string | string[] }; handle?: { stack?: unknown[] } }[]) => {
        for (const layer of stack) {
          if (layer.route) paths.push(...[layer.route.path].flat().map((p) => p.replace(/:[a-z]+/gi, 'x')));
          else if (layer.handle?.stack) walk(layer.handle.stack as typeof stack);
        }
      };
      walk((app as unknown as { router: { stack: Parameters<typeof walk>[0] } }).router.stack);
      // Its own static files (the dashboard's script and style).
      paths.push(...readdirSync(path.join(ROOT, 'services/reporting/public')).map((file) => `/assets/${file}`));
      // What both services answer alike, so intake answers it for the public host.
      const both = (p: string) => ['/', '/health', '/api/session', '/logout', '/openapi.json', '/api/calendars'].includes(p) || p.startsWith('/assets/console/');
      expect(paths.filter((p) => !both(p) && !toReporting(p))).toEqual([]);
      expect(paths).toEqual(expect.arrayContaining(['/what-if', '/dashboard', '/api/reports/claims']));
    });

    it('keeps the Temporal UI read-only unless an operator turns write actions on, and documents its sign-in', () => {
      const ui = compose.services['temporal-ui']!.environment!;
      expect(unset(ui.TEMPORAL_DISABLE_WRITE_ACTIONS)).toBe('true');
      // The OIDC settings an operator fills in before publishing the UI beyond this host.
      for (const name of ['TEMPORAL_AUTH_ENABLED', 'TEMPORAL_AUTH_PROVIDER_URL', 'TEMPORAL_AUTH_CLIENT_ID', 'TEMPORAL_AUTH_CLIENT_SECRET', 'TEMPORAL_AUTH_CALLBACK_URL', 'TEMPORAL_AUTH_SCOPES']) expect(text).toContain(name);
    });
  });
});
