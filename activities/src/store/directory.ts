import { beijingMonth, directorySchema, starLevelIn, type Directory, type Mailbox, type RecipientRef, type StarChange } from '@complaints/shared';
import type { Models } from './models';

/**
 * Loads a directory as a whole (validated first); existing entries with the same keys are replaced,
 * except for what penalties did to a dealer (delisting, star changes: seed 002 重大抱怨 §5.1), which
 * the system recorded and a directory file does not hold.
 */
export async function saveDirectory(models: Models, directory: Directory): Promise<void> {
  const valid = directorySchema.parse(directory);
  for (const region of valid.regions) await models.Region.replaceOne({ _id: region.code }, { _id: region.code, name: region.name, managers: region.managers }, { upsert: true });
  for (const { code, ...dealer } of valid.dealers) {
    const kept = await models.Dealer.findById(code, { delistedFrom: 1, starChanges: 1 }).lean();
    await models.Dealer.replaceOne({ _id: code }, { _id: code, ...dealer, ...(kept?.delistedFrom && { delistedFrom: kept.delistedFrom }), starChanges: kept?.starChanges ?? [] }, { upsert: true });
  }
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
  /** 星级 in the month asked for, after penalties' downgrades and cancellations; null when it has none. */
  starLevel: number | null;
  /** 撤站 (delisting) from this month, YYYY-MM. */
  delistedFrom: string | null;
  /** In the network in the month asked for: false from its delisting month on (no dispatch, not on the web form). */
  active: boolean;
}

type DealerDoc = { _id: string; name: string; region: string; serviceStatus: string; starLevel?: number | null; delistedFrom?: string | null; starChanges?: StarChange[] | null };

function toEntry(d: DealerDoc, month: string): DealerEntry {
  const delistedFrom = d.delistedFrom ?? null;
  return { code: d._id, name: d.name, region: d.region, serviceStatus: d.serviceStatus, starLevel: starLevelIn(month, d.starLevel, d.starChanges ?? []), delistedFrom, active: !delistedFrom || month < delistedFrom };
}

/** A dealer as the directory has it for `month` (YYYY-MM, Beijing time; this month when not given). */
export async function findDealer(models: Models, code: string, month: string = beijingMonth(new Date())): Promise<DealerEntry | null> {
  const dealer = await models.Dealer.findById(code).lean<DealerDoc>();
  return dealer ? toEntry(dealer, month) : null;
}

/** Every dealer in the directory, delisted ones included (see `active`), as of `month` (this month when not given). */
export async function listDealers(models: Models, month: string = beijingMonth(new Date())): Promise<DealerEntry[]> {
  return (await listDealersByMonth(models, [month])).get(month)!;
}

/** The directory as of each of `months`, from one read (the dashboard's trend asks for six at once). */
export async function listDealersByMonth(models: Models, months: readonly string[]): Promise<Map<string, DealerEntry[]>> {
  // Contacts are not needed to list dealers: left out, the read is a fraction of the directory.
  const dealers = await models.Dealer.find({}, { name: 1, region: 1, serviceStatus: 1, starLevel: 1, delistedFrom: 1, starChanges: 1 }).sort({ _id: 1 }).lean<DealerDoc[]>();
  return new Map(months.map((month) => [month, dealers.map((d) => toEntry(d, month))]));
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
