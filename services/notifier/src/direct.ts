import type { Config } from '@complaints/shared';
import type { Logger } from '@complaints/runtime';
import { createNotificationActivities, type Models } from '@complaints/activities';
import { loadTemplates } from './templates';
import { createRecipientResolver } from './recipients';
import { createTransport } from './worker';

/**
 * Sends an email without Temporal, for the one notice whose cause is Temporal itself not answering
 * (intake's reconciler telling the coordinator that a stored complaint's workflow has not started).
 * The same delivery as the notifier's activity: one email per notification key, sent once.
 */
export function createDirectNotifier(deps: { config: Config; models: Models; logger: Logger }) {
  const { config, models, logger } = deps;
  const transport = createTransport(config);
  const { sendNotification } = createNotificationActivities({
    models,
    transport,
    from: config.MAIL_FROM,
    render: loadTemplates({ baseUrl: config.PUBLIC_BASE_URL }),
    resolveRecipients: createRecipientResolver({ models, coordinatorEmail: config.COORDINATOR_EMAIL, warn: (message) => logger.warn(message) }),
  });
  return { sendNotification, close: () => transport.close() };
}
