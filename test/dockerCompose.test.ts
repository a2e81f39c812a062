import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '@complaints/shared';
import { SEARCH_ATTRIBUTE_KEYS } from '@complaints/workflows';
import { ROOT } from '../scripts/lib/stack';

// docker-compose.yml cannot run here (no Docker engine); this keeps it consistent with the code.
describe('docker-compose.yml (production)', () => {
  const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, unknown>; command?: string[] }>;
  };
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

  it('registers every search attribute the workflows use', () => {
    const setup = compose.services['temporal-setup']!.command!.join(' ');
    for (const key of SEARCH_ATTRIBUTE_KEYS) expect(setup).toMatch(new RegExp(`\\b${key.name}=`));
  });
});
