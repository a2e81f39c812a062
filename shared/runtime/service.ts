import type { Express } from 'express';
import type { Worker } from '@temporalio/worker';
import type { Connection as MongoConnection } from 'mongoose';
import { loadConfig, type Config } from '../src/config';
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
 */
export async function serve(context: ServiceContext, app: Express, port: number, worker: Worker, onStop?: () => void | Promise<void>): Promise<void> {
  const { config, logger, mongo, temporal } = context;
  const running = worker.run();
  const server = await listen(app, port, config.HOST);
  logger.info({ port, taskQueue: worker.options.taskQueue }, 'ready');
  runUntilSignal(logger, async () => {
    await closeServer(server);
    if (worker.getState() === 'RUNNING') worker.shutdown(); // the SDK may have begun on the signal itself
    await running;
    await onStop?.();
    await mongo.close();
    await temporal.close();
  });
}

/** A service's entry point: a start-up failure prints one line naming the problem and exits 1. */
export function main(name: string, start: () => Promise<void>): void {
  start().catch((error: Error) => {
    console.error(`${name} failed to start: ${error.message}`);
    process.exit(1);
  });
}
