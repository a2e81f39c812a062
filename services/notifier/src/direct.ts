import type { Config } from '@complaints/shared';
import type { Logger } from '@complaints/runtime';
import type { Models } from '@complaints/activities';
import { createTransport } from './smtp';
import { createEmailActivities } from './worker';

/**
 * Sends an email without Temporal, for the one notice whose cause is Temporal itself not answering
 * (intake's reconciler telling the coordinator that a stored complaint's workflow has not started).
 * The same delivery as the notifier's activity: one email per notification key, sent once.
 */
export function createDirectNotifier(deps: { config: Config; models: Models; logger: Logger }) {
  const transport = createTransport(deps.config);
  const { sendNotification } = createEmailActivities({ ...deps, transport });
  return { sendNotification, close: () => transport.close() };
}
