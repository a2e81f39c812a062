import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { dependencyUnavailable, errorHandler, HttpError } from '../src/http';
import { createLogger } from '../src/logger';

// The API's one error shape for every failure, and which failures a client should simply repeat.
describe('the central error handler', () => {
  const named = (name: string, message = 'x', extra: object = {}) => Object.assign(new Error(message), { name }, extra);
  const app = express();
  const failures: Record<string, () => unknown> = {
    zod: () => z.object({ phone: z.string() }).parse({}),
    http: () => {
      throw new HttpError(409, 'refused', 'not now');
    },
    'database-down': () => {
      throw named('MongoServerSelectionError', 'connect ECONNREFUSED 127.0.0.1:27017');
    },
    'database-buffering': () => {
      throw named('MongooseError', 'Operation `complaints.findOne()` buffering timed out after 10000ms');
    },
    'temporal-down': () => {
      throw new Error('workflow start failed', { cause: named('ServiceError', 'unavailable', { cause: Object.assign(new Error('14 UNAVAILABLE'), { code: 14, metadata: {} }) }) });
    },
    bug: () => {
      throw new TypeError("Cannot read properties of undefined (reading 'phone')");
    },
  };
  for (const [path, fail] of Object.entries(failures)) app.get(`/${path}`, () => void fail());
  app.use(errorHandler(createLogger('test', 'silent')));

  it.each([
    ['zod', 400, 'validation_failed'],
    ['http', 409, 'refused'],
    ['database-down', 503, 'unavailable'],
    ['database-buffering', 503, 'unavailable'],
    ['temporal-down', 503, 'unavailable'],
    ['bug', 500, 'internal'],
  ])('/%s answers %i %s', async (path, status, error) => {
    const res = await request(app).get(`/${path}`);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error, details: expect.any(Array) });
    expect(res.headers['retry-after']).toBe(status === 503 ? '5' : undefined);
    expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|27017|Cannot read/); // no internals
  });

  it('does not take an application error with a code for an unavailable dependency', () => {
    expect(dependencyUnavailable(Object.assign(new Error('x'), { code: 14 }))).toBe(false);
    expect(dependencyUnavailable(named('MongoServerError', 'E11000 duplicate key'))).toBe(false);
  });
});
