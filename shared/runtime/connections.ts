import mongoose, { type Connection as MongoConnection } from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Logger } from './logger';
import type { Config } from '../src/config';

export async function connectMongo(config: Pick<Config, 'MONGO_URL'>): Promise<MongoConnection> {
  // autoIndex: each service ensures the indexes of the models it owns at start-up (idempotent).
  return mongoose.createConnection(config.MONGO_URL, { serverSelectionTimeoutMS: 10_000, autoIndex: true }).asPromise();
}

export interface TemporalConnections {
  client: Client;
  workerConnection: NativeConnection;
  close(): Promise<void>;
}

export async function connectTemporal(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Promise<TemporalConnections> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  return {
    client,
    workerConnection,
    async close() {
      await connection.close();
      await workerConnection.close();
    },
  };
}

export interface HealthDeps {
  mongo: MongoConnection;
  temporal: Client;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  temporal: 'ok' | string;
  database: 'ok' | string;
}

/** SPEC §8: healthy only when both Temporal and the database answer. */
export async function checkHealth({ mongo, temporal }: HealthDeps): Promise<HealthReport> {
  const [t, d] = await Promise.allSettled([
    temporal.workflowService.getSystemInfo({}),
    mongo.db!.admin().ping(),
  ]);
  const temporalStatus = t.status === 'fulfilled' ? 'ok' : `unreachable: ${(t.reason as Error).message}`;
  const databaseStatus = d.status === 'fulfilled' ? 'ok' : `unreachable: ${(d.reason as Error).message}`;
  return {
    status: temporalStatus === 'ok' && databaseStatus === 'ok' ? 'ok' : 'unavailable',
    temporal: temporalStatus,
    database: databaseStatus,
  };
}

const TEMPORAL_LOG_LEVELS = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' } as const;

/**
 * Routes the Temporal SDK's own logs through the service's logger at its level. Must run before
 * the first worker or connection is created; a second call in the same process is ignored.
 */
export function installTemporalLogging(logger: Logger, level: keyof typeof TEMPORAL_LOG_LEVELS): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(TEMPORAL_LOG_LEVELS[level], ({ level: l, message, meta }) => {
        const method = l === 'TRACE' ? 'trace' : l === 'DEBUG' ? 'debug' : l === 'INFO' ? 'info' : l === 'WARN' ? 'warn' : 'error';
        logger[method]({ temporal: meta }, message);
      }),
    });
  } catch {
    // Already installed in this process (tests create several services in one process).
  }
}
