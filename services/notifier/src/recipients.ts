import type { Mailbox, RecipientRef } from '@complaints/shared';
import { resolveMailboxes, type Models, type Recipient } from '@complaints/activities';

export interface RecipientDeps {
  models: Models;
  /** Where the coordinator's mail goes while the directory names nobody for the role. */
  coordinatorEmail: string;
  warn(message: string): void;
}

/**
 * The customer of a complaint, from its stored submission (seeds 000, 001, 003: told of receipt
 * and closure): the address, the language and the name for the greeting are read here, as the
 * email is sent, so that the workflow never holds them. No address given (or the submission erased
 * at the end of its retention): nobody to write to, which is not an error.
 */
async function customerOf(models: Models, number: string): Promise<Recipient | undefined> {
  const [submission, complaint] = await Promise.all([
    models.Submission.findById(number).select({ customer: 1, language: 1 }).lean(),
    models.Complaint.findById(number, { channel: 1, recordedBy: 1 }).lean(),
  ]);
  const customer = submission?.customer;
  if (!customer?.email) return undefined;
  // Anyone may type any name and address on the public web form: its emails greet "customer", so
  // that the maker's mail never carries a stranger's words. A name staff or the hotline recorded is used.
  const trustedName = Boolean(complaint && (complaint.recordedBy || complaint.channel !== 'web_form'));
  return { email: customer.email, language: submission?.language === 'en' ? 'en' : 'zh', ...(trustedName && { name: customer.name }), recordAs: `customer:${number}` };
}

/**
 * How long the directory's mailboxes are kept by the notifier: every closure deadline of a day falls
 * at the cutoff, and hundreds of notices to the same few dealers, regions and the coordinator then
 * need no directory read each. An operator's change to the directory reaches the emails within it.
 */
const MAILBOXES_FRESH_MS = 10_000;

/** Resolves role, dealer and region references to mailboxes from the directory, and a complaint's customer from its submission, once per address. */
export function createRecipientResolver({ models, coordinatorEmail, warn }: RecipientDeps) {
  const kept = new Map<string, { readAt: number; mailboxes: Promise<Mailbox[]> }>();
  /** The directory's mailboxes of a reference, read at most every MAILBOXES_FRESH_MS; none found is never kept. */
  function mailboxesOf(ref: Exclude<RecipientRef, { customer: string }>): Promise<Mailbox[]> {
    const key = JSON.stringify(ref);
    const entry = kept.get(key);
    if (entry && Date.now() - entry.readAt < MAILBOXES_FRESH_MS) return entry.mailboxes;
    const fresh = { readAt: Date.now(), mailboxes: resolveMailboxes(models, ref) };
    kept.set(key, fresh);
    const forget = () => kept.get(key) === fresh && kept.delete(key);
    fresh.mailboxes.then((found) => found.length > 0 || forget(), forget);
    return fresh.mailboxes;
  }
  return async function resolveRecipients(refs: RecipientRef[]): Promise<Recipient[]> {
    const recipients = new Map<string, Recipient>();
    for (const ref of refs) {
      if ('customer' in ref) {
        const customer = await customerOf(models, ref.customer);
        if (customer && !recipients.has(customer.recordAs!)) recipients.set(customer.recordAs!, customer);
        continue;
      }
      let mailboxes = await mailboxesOf(ref);
      if (!mailboxes.length && 'role' in ref && ref.role === 'coordinator') mailboxes = [{ email: coordinatorEmail, language: 'zh' }];
      if (!mailboxes.length) warn(`no mailbox in the directory for ${JSON.stringify(ref)}`);
      for (const m of mailboxes) if (!recipients.has(m.email)) recipients.set(m.email, { email: m.email, language: m.language });
    }
    return [...recipients.values()];
  };
}
