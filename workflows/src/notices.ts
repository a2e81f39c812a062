import { ActivityFailure, log } from '@temporalio/workflow';
import type { NotificationRequest } from '@complaints/shared';
import { notifier } from './schedules';

/**
 * One email that is not a complaint's own (SPEC §3.10: a claim filed, a claim decided), sent through
 * the notifier like every other: retried through an SMTP outage, once per key. Its workflow id is the
 * notice's, so a repeated start sends nothing twice.
 */
export async function noticeWorkflow(request: { notifications: string; notice: NotificationRequest }): Promise<void> {
  try {
    await notifier(request.notifications).sendNotification(request.notice);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn('notice undeliverable', { key: request.notice.key, template: request.notice.template });
  }
}
