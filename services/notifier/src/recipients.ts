import { ApplicationFailure } from '@temporalio/common';
import type { RecipientRef } from '@complaints/shared';
import type { Recipient } from '@complaints/activities';

export interface RecipientDirectory {
  coordinatorEmail: string;
}

/**
 * Resolves who a notification goes to. The first slice knows the coordinator's mailbox from the
 * configuration; dealers, regional managers, the call center and HQ come with the directory (issue 7).
 */
export function createRecipientResolver(directory: RecipientDirectory) {
  return async function resolveRecipients(refs: RecipientRef[]): Promise<Recipient[]> {
    return refs.map((ref) => {
      if ('role' in ref && ref.role === 'coordinator') return { email: directory.coordinatorEmail, language: 'zh' };
      throw ApplicationFailure.nonRetryable(`no recipient known for ${JSON.stringify(ref)}`, 'UnknownRecipient');
    });
  };
}
