import type { Express } from 'express';
import type { Worker } from '@temporalio/worker';
import type { Connection as MongoConnection } from 'mongoose';
import { loadConfig, type Config } from '@complaints/shared';
import { connectMongo, connectTemporal, installTemporalLogging, type TemporalConnections } from './connections';
import { closeServer, listen, runUntilSignal } from './http';
import { createLogger, type Logger } from './logger';

export interface ServiceContext {
  config: Config;
  logger: Logger;
  mongo: MongoConnection;
  temporal: TemporalConnections;
}

/** Reads the configuration once and opens the connections every service needs. */
export async function bootstrap(name: string): Promise<ServiceContext> {
  const config = loadConfig(process.env);
  const logger = createLogger(name, config.LOG_LEVEL);
  installTemporalLogging(logger, config.LOG_LEVEL);
  const mongo = await connectMongo(config);
  const temporal = await connectTemporal(config);
  return { config, logger, mongo, temporal };
}

/**
 * Runs a service's worker and HTTP app until SIGINT/SIGTERM, then stops in order: stop accepting
 * HTTP, let the worker finish its tasks, run `onStop`, close the connections.
 *
 * A service is its worker as much as its HTTP app: should the worker stop or fail while the
 * service was not asked to stop (a fatal error in the SDK, or one of the SDK's own shutdown signals
 * such as SIGUSR2), the process logs one line and exits 1, so that its supervisor (`npm start`'s, or
 * the container's restart policy) starts it again, rather than leave an HTTP server that answers
 * and looks healthy while no task is worked. Temporal being unreachable is not such a failure: the
 * SDK keeps polling until it answers again (and /health reports it meanwhile).
 */
export async function serve(context: ServiceContext, app: Express, port: number, worker: Worker, onStop?: () => void | Promise<void>): Promise<void> {
  const { config, logger, mongo, temporal } = context;
  exitOnUnhandledRejection(logger);
  let stopping = false;
  const running = worker.run();
  running.then(
    () => {
      if (!stopping) exitAfter(logger, `the Temporal worker stopped although the service was not stopped (task queue ${worker.options.taskQueue}); exiting to be restarted`);
    },
    (error: Error) => {
      // While stopping, the shutdown below awaits the worker and reports its failure.
      if (!stopping) exitAfter(logger, `the Temporal worker failed (task queue ${worker.options.taskQueue}): ${error.message}; exiting to be restarted`, error);
    },
  );
  const server = await listen(app, port, config.HOST);
  logger.info({ port, taskQueue: worker.options.taskQueue }, 'ready');
  runUntilSignal(logger, async () => {
    stopping = true;
    await closeServer(server);
    if (worker.getState() === 'RUNNING') worker.shutdown(); // the SDK may have begun on the signal itself
    await running;
    await onStop?.();
    await mongo.close();
    await temporal.close();
  });
}

function exitAfter(logger: Logger, message: string, error?: Error): never {
  logger.fatal(error ? { err: error } : {}, message);
  process.exit(1);
}

let rejectionHandlerInstalled = false;

/**
 * A promise rejected with nothing to handle it means work whose failure went unnoticed: the
 * process logs it as one line in the service's log (not a bare stack on stderr) and exits 1, to be
 * restarted in a known state. Workflow code runs in the SDK's worker threads, which handle their
 * own rejections; this handler sees the service's.
 */
function exitOnUnhandledRejection(logger: Logger): void {
  if (rejectionHandlerInstalled) return;
  rejectionHandlerInstalled = true;
  process.on('unhandledRejection', (reason) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    exitAfter(logger, `unhandled promise rejection: ${error.message}; exiting to be restarted`, error);
  });
}

/** A service's entry point: a start-up failure prints one line naming the problem and exits 1. */
export function main(name: string, start: () => Promise<void>): void {
  start().catch((error: Error) => {
    console.error(`${name} failed to start: ${error.message}`);
    process.exit(1);
  });
}
