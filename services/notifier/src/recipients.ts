import type { RecipientRef } from '@complaints/shared';
import { resolveMailboxes, type Models, type Recipient } from '@complaints/activities';

export interface RecipientDeps {
  models: Models;
  /** Where the coordinator's mail goes while the directory names nobody for the role. */
  coordinatorEmail: string;
  warn(message: string): void;
}

/** Resolves role, dealer and region references to mailboxes from the directory, once per address. */
export function createRecipientResolver({ models, coordinatorEmail, warn }: RecipientDeps) {
  return async function resolveRecipients(refs: RecipientRef[]): Promise<Recipient[]> {
    const recipients = new Map<string, Recipient>();
    for (const ref of refs) {
      let mailboxes = await resolveMailboxes(models, ref);
      if (!mailboxes.length && 'role' in ref && ref.role === 'coordinator') mailboxes = [{ email: coordinatorEmail, language: 'zh' }];
      if (!mailboxes.length) warn(`no mailbox in the directory for ${JSON.stringify(ref)}`);
      for (const m of mailboxes) if (!recipients.has(m.email)) recipients.set(m.email, { email: m.email, language: m.language });
    }
    return [...recipients.values()];
  };
}
