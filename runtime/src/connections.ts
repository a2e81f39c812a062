import mongoose, { type Aggregate, type Connection as MongoConnection, type MongooseQueryMiddleware, type Query, type Schema } from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Logger } from './logger';
import { payloadDataConverter } from './payloadCodec';
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

/** The client (encrypting its payloads, see payloadCodec.ts) and the connection the service's worker uses. */
export async function connectTemporal(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'PAYLOAD_KEYS' | 'PAYLOAD_KEY_ID'>): Promise<TemporalConnections> {
  const dataConverter = payloadDataConverter(config); // before connecting: a bad key stops the start at once
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
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

/** What `/health` answers: up or down, per dependency, and nothing of why (that goes to the log). */
export interface HealthReport {
  status: 'ok' | 'unavailable';
  temporal: 'ok' | 'unavailable';
  database: 'ok' | 'unavailable';
}

/**
 * How long a health check waits for each dependency: a probe (a load balancer, the container's
 * health check, `npm start`) gets its answer in seconds, not after the driver's own timeouts.
 */
const HEALTH_CHECK_TIMEOUT_MS = 5_000;

function within<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  // A synchronous throw (a connection that was never opened) counts as down too.
  return Promise.race([Promise.resolve().then(work), timeout]).finally(() => clearTimeout(timer));
}

/**
 * SPEC §8: healthy only when both Temporal and the database answer. The report says which is
 * down; `reasons` holds the errors for the service's log, never for the answer, whose callers
 * need not learn addresses or driver messages.
 */
export async function checkHealth({ mongo, temporal }: HealthDeps): Promise<{ report: HealthReport; reasons: { temporal?: string; database?: string } }> {
  const [t, d] = await Promise.allSettled([
    // The gRPC deadline ends the call itself (and the SDK's retries of it), not only the wait for it.
    within(HEALTH_CHECK_TIMEOUT_MS, () => temporal.connection.withDeadline(Date.now() + HEALTH_CHECK_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({}))),
    within(HEALTH_CHECK_TIMEOUT_MS, () => mongo.db!.admin().ping()),
  ]);
  const report: HealthReport = {
    status: t.status === 'fulfilled' && d.status === 'fulfilled' ? 'ok' : 'unavailable',
    temporal: t.status === 'fulfilled' ? 'ok' : 'unavailable',
    database: d.status === 'fulfilled' ? 'ok' : 'unavailable',
  };
  const reason = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' ? String((r.reason as Error)?.message ?? r.reason) : undefined);
  return { report, reasons: { ...(t.status === 'rejected' && { temporal: reason(t) }), ...(d.status === 'rejected' && { database: reason(d) }) } };
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
