import { directorySchema, type Directory, type Mailbox, type RecipientRef } from '@complaints/shared';
import type { Models } from './models';

/** Loads a directory as a whole (validated first); existing entries with the same keys are replaced. */
export async function saveDirectory(models: Models, directory: Directory): Promise<void> {
  const valid = directorySchema.parse(directory);
  for (const region of valid.regions) await models.Region.replaceOne({ _id: region.code }, { _id: region.code, name: region.name, managers: region.managers }, { upsert: true });
  for (const { code, ...dealer } of valid.dealers) await models.Dealer.replaceOne({ _id: code }, { _id: code, ...dealer }, { upsert: true });
  for (const [role, mailboxes] of Object.entries(valid.roles)) await models.RoleMailbox.replaceOne({ _id: role }, { _id: role, mailboxes }, { upsert: true });
}

/** Seeds a directory only into an empty database: the operator's own directory is never overwritten. */
export async function seedDirectory(models: Models, directory: Directory): Promise<boolean> {
  if ((await models.Dealer.estimatedDocumentCount()) > 0) return false;
  await saveDirectory(models, directory);
  return true;
}

export interface DealerEntry {
  code: string;
  name: string;
  region: string;
  serviceStatus: string;
}

export async function findDealer(models: Models, code: string): Promise<DealerEntry | null> {
  const dealer = await models.Dealer.findById(code).lean();
  return dealer ? { code: dealer._id, name: dealer.name, region: dealer.region, serviceStatus: dealer.serviceStatus } : null;
}

export async function listDealers(models: Models): Promise<DealerEntry[]> {
  const dealers = await models.Dealer.find({}).sort({ _id: 1 }).lean();
  return dealers.map((d) => ({ code: d._id, name: d.name, region: d.region, serviceStatus: d.serviceStatus }));
}

/** The mailboxes a notification goes to; a reference nobody answers to resolves to none. */
export async function resolveMailboxes(models: Models, ref: RecipientRef): Promise<Mailbox[]> {
  if ('role' in ref) return (await models.RoleMailbox.findById(ref.role).lean())?.mailboxes.map(toMailbox) ?? [];
  if ('dealerCode' in ref) return (await models.Dealer.findById(ref.dealerCode).lean())?.contacts.map(toMailbox) ?? [];
  if ('customer' in ref) return []; // the customer's address is in the submission: the notifier resolves it
  return (await models.Region.findById(ref.region).lean())?.managers.map(toMailbox) ?? [];
}

function toMailbox(m: { name?: string | null; email: string; language?: string | null }): Mailbox {
  return { ...(m.name ? { name: m.name } : {}), email: m.email, language: m.language === 'en' ? 'en' : 'zh' };
}
