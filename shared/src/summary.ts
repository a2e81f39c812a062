import type { Category, Channel, Kind, Severity } from './domain';

// What every list of complaints shows of one (intake's complaint list, the reports' lists, the
// case library): its facts, never the customer's personal data (SPEC §7).

/** The read model's fields a row is made of, for a query's projection. */
export const COMPLAINT_ROW_FIELDS = ['status', 'kind', 'category', 'severity', 'channel', 'dealerCode', 'region', 'receivedAt', 'escalated'] as const;

export interface ListedComplaint {
  _id: string;
  status: string;
  kind: Kind;
  category: Category;
  severity: Severity;
  channel: Channel;
  dealerCode?: string | null;
  region?: string | null;
  receivedAt: Date;
  escalated?: boolean | null;
}

/** A complaint as a list row: its number, facts and where it stands; absent values are null. */
export function complaintRow<C extends ListedComplaint>(complaint: C) {
  return {
    number: complaint._id,
    status: complaint.status,
    kind: complaint.kind,
    category: complaint.category,
    severity: complaint.severity,
    channel: complaint.channel,
    dealerCode: complaint.dealerCode ?? null,
    region: complaint.region ?? null,
    receivedAt: complaint.receivedAt.toISOString(),
    escalated: complaint.escalated ?? false,
  };
}
