import mongoose, { type Aggregate, type Connection as MongoConnection, type MongooseQueryMiddleware, type Query, type Schema } from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Logger } from './logger';
import type { Config } from '@complaints/shared';

/**
 * How long the database may take over one query before it gives up on it (maxTimeMS). A query
 * that runs longer fails the request or the activity (which Temporal retries) instead of holding
 * it while the database struggles. Generous: on FerretDB a report's filter scans the collection
 * (docs/ferretdb.md), and a month of complaints must still be read in time.
 */
export const QUERY_TIME_LIMIT_MS = 20_000;

// Every query command that takes maxTimeMS on both backends. FerretDB 1.24 honours it on find,
// aggregate (countDocuments too) and findAndModify, accepts and ignores it on update, delete and
// count, and refuses the whole command on distinct ("unknown field"), which is therefore left out.
const BOUNDED_QUERIES: MongooseQueryMiddleware[] = ['find', 'findOne', 'countDocuments', 'estimatedDocumentCount', 'updateOne', 'updateMany', 'replaceOne', 'findOneAndUpdate', 'findOneAndReplace', 'findOneAndDelete', 'deleteOne', 'deleteMany'];

/** Gives each query of a schema's models QUERY_TIME_LIMIT_MS, unless the query sets a limit of its own. */
export function boundedQueries(schema: Schema): void {
  schema.pre(BOUNDED_QUERIES, { query: true, document: false }, function (this: Query<unknown, unknown>) {
    if (this.getOptions().maxTimeMS === undefined) this.maxTimeMS(QUERY_TIME_LIMIT_MS);
  });
  schema.pre('aggregate', function (this: Aggregate<unknown>) {
    if (this.options.maxTimeMS === undefined) this.option({ maxTimeMS: QUERY_TIME_LIMIT_MS });
  });
}

// For every model of every connection in the process, whoever opens the connection.
mongoose.plugin(boundedQueries);

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
