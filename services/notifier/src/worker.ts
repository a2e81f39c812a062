import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Connection as MongoConnection } from 'mongoose';
import type { Config } from '@complaints/shared';
import { type Logger, payloadDataConverter } from '@complaints/runtime';
import { createDigestActivities, createModels, createNotificationActivities, type Models } from '@complaints/activities';
import { loadTemplates } from './templates';
import { createRecipientResolver } from './recipients';
import type { Transport } from './smtp';

/** The send activity with the notifier's templates, the directory's recipients and the SMTP transport. */
export function createEmailActivities(deps: { config: Config; models: Models; transport: Transport; logger: Logger }) {
  const { config, models } = deps;
  return createNotificationActivities({
    models,
    transport: deps.transport,
    from: config.MAIL_FROM,
    render: loadTemplates({ baseUrl: config.PUBLIC_BASE_URL }),
    resolveRecipients: createRecipientResolver({ models, coordinatorEmail: config.COORDINATOR_EMAIL, warn: (message) => deps.logger.warn(message) }),
  });
}

/**
 * How many send activities the notifier runs at once: each waits mostly on the database and the
 * SMTP server, not the CPU, and at the cutoff hundreds of overdue notices fall due in the same
 * second. The pollers scale with the queue (the server's feedback), so that a burst of notices is
 * fetched at once instead of through a fixed handful of polls.
 */
export const NOTIFIER_ACTIVITY_CONCURRENCY = 200;

export async function createNotifierWorker(deps: { config: Config; connection: NativeConnection; mongo: MongoConnection; transport: Transport; logger: Logger }) {
  const { config } = deps;
  const models = createModels(deps.mongo);
  const activities = createEmailActivities({ config, models, transport: deps.transport, logger: deps.logger });
  return Worker.create({
    connection: deps.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE_NOTIFICATIONS,
    maxConcurrentActivityTaskExecutions: NOTIFIER_ACTIVITY_CONCURRENCY,
    activityTaskPollerBehavior: { type: 'autoscaling', minimum: 2, initial: 10, maximum: 50 },
    // A long send's heartbeats reach Temporal every 5 s, not every 16 s (0.8 of its 20 s timeout,
    // the SDK's default throttle): a heartbeat delayed by a busy server must not make a send that is
    // still running look lost, and be tried again beside it.
    maxHeartbeatThrottleInterval: '5 seconds',
    dataConverter: payloadDataConverter(config),
    activities: { ...activities, ...createDigestActivities({ models, sendNotification: activities.sendNotification }) },
  });
}
