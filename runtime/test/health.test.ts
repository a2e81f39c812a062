import express from 'express';
import request from 'supertest';
import pino from 'pino';
import type { Connection as MongoConnection } from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { testConfig } from '../../test/support';
import { connectMongo, connectTemporal, type TemporalConnections } from '../src/connections';
import { healthHandler } from '../src/http';

// `/health` is what a load balancer, `npm start` and the container's health check read: up (200) or
// down (503) and which dependency is down, never the error behind it (addresses, driver messages),
// which only the service's own log gets.
describe('GET /health', () => {
  const config = testConfig();
  let mongo: MongoConnection;
  let temporal: TemporalConnections;
  let closedMongo: MongoConnection;
  let unreachableTemporal: Client;
  const logged: { msg?: string; temporal?: string; database?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  const app = (deps: Parameters<typeof healthHandler>[0]) => express().get('/health', healthHandler(deps, logger));

  beforeAll(async () => {
    mongo = await connectMongo(config);
    temporal = await connectTemporal(config);
    closedMongo = await connectMongo(config);
    await closedMongo.close();
    // A Temporal connection that no longer answers.
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    unreachableTemporal = new Client({ connection });
    await connection.close();
  });

  afterAll(async () => {
    await mongo?.close();
    await temporal?.close();
  });

  it('answers 200 and up when Temporal and the database answer', async () => {
    const res = await request(app({ mongo, temporal: temporal.client })).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', temporal: 'ok', database: 'ok' });
  });

  it('answers 503 naming what is down, without the error text, which goes to the log', async () => {
    const res = await request(app({ mongo: closedMongo, temporal: unreachableTemporal })).get('/health').expect(503);
    expect(res.body).toEqual({ status: 'unavailable', temporal: 'unavailable', database: 'unavailable' });
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'unhealthy', temporal: expect.any(String), database: expect.any(String) }));
  });

  it('answers 503 when only the database is down', async () => {
    const res = await request(app({ mongo: closedMongo, temporal: temporal.client })).get('/health').expect(503);
    expect(res.body).toEqual({ status: 'unavailable', temporal: 'ok', database: 'unavailable' });
  });
});
