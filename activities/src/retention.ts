import { randomUUID } from 'node:crypto';
import { beijingDate, CLOSED_STATUSES, policyInForce, type Policy } from '@complaints/shared';
import { forgetAnswers } from '@complaints/runtime/src/idempotency';
import { isDuplicateKeyError, type ComplaintDoc, type Models } from './store/models';
import { loadPolicies } from './store/rules';

// SPEC §7: a closed complaint keeps the customer's personal data for its policy's
// `retention.closedComplaintYears`; then it is erased — the customer's name, contact, vehicle, what
// they wrote and sent, and the free text staff typed about them — and every fact that statistics and
// scorecards count stays: number, dates, dealer, category, channel, states, KPI facts. A complaint
// on legal hold is kept until the hold is released; the coordinator may erase one complaint at once
// on the customer's request. Who held, released or erased, when and why is audited, never what.

// The states a complaint ends in (CLOSED_STATUSES): only these are ever erased.

/**
 * Fields of a history event's data that hold what people typed (a reply, a contact note, a cause,
 * a reason, a dispatch suggestion, the follow-up's shortcomings and suggestions, a written report's
 * summary), at any depth: each is replaced by the erasure marker.
 */
export const FREE_TEXT_FIELDS: readonly string[] = ['text', 'note', 'summary', 'cause', 'reason', 'suggestion', 'shortcomings', 'suggestions'];

/** What stands where erased free text was: that it was erased, when, and under which policy version. */
export interface ErasureMarker {
  erased: true;
  at: string;
  policyVersion: string;
}

/** Where an event's summary quoted an erased reason (a forced closure, a reassignment, an upgrade). */
export const ERASED_TEXT = '（已删除）';

export type ErasureCause = 'retention' | 'request';

const isMarker = (value: unknown) => typeof value === 'object' && value !== null && (value as { erased?: unknown }).erased === true;
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** An event's data with its free text replaced by the marker; the texts replaced are added to `erased`. */
function eraseData(data: Record<string, unknown>, marker: ErasureMarker, erased: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (FREE_TEXT_FIELDS.includes(key) && value !== undefined && value !== null && !isMarker(value)) {
      if (typeof value === 'string') erased.push(value);
      out[key] = marker;
    } else if (isPlainObject(value) && !isMarker(value)) out[key] = eraseData(value, marker, erased);
    else if (Array.isArray(value)) out[key] = value.map((item) => (isPlainObject(item) ? eraseData(item, marker, erased) : item));
    else out[key] = value;
  }
  return out;
}

type HistoryEvent = ComplaintDoc['history'][number];

/**
 * A history without the free text people typed: every free-text field of an event's data becomes
 * the marker, and a summary that ends with an erased reason ends with "（已删除）" instead. Who did
 * what and when stays. Erasing an erased history changes nothing.
 */
export function eraseHistory<E extends Pick<HistoryEvent, 'summary' | 'data'>>(history: readonly E[], marker: ErasureMarker): E[] {
  return history.map((event) => {
    const erased: string[] = [];
    const data = eraseData((event.data ?? {}) as Record<string, unknown>, marker, erased);
    let summary = event.summary;
    for (const text of erased) if (text && summary.endsWith(text)) summary = summary.slice(0, -text.length) + ERASED_TEXT;
    return { ...event, data, summary };
  });
}

/** The policy version a complaint was received under, and so the retention that applies to it. */
export function complaintPolicy(doc: Pick<ComplaintDoc, 'policyVersion' | 'deadlines' | 'receivedAt'>, policies: readonly Policy[]): Policy | undefined {
  const version = doc.policyVersion ?? (doc.deadlines as { policyVersion?: string } | undefined)?.policyVersion;
  const recorded = version ? policies.find((p) => p.version === version) : undefined;
  if (recorded) return recorded;
  // Not recorded (its deadlines never computed): the policy in force at receipt, as its deadlines would have used.
  try {
    return policyInForce([...policies], doc.receivedAt);
  } catch {
    return undefined;
  }
}

/** The last Beijing date a complaint closed on `closedAt` is kept under `years` of retention: it goes on the day after. */
export function keptUntil(closedAt: string | Date, years: number): string {
  const [year, month, day] = beijingDate(closedAt).split('-').map(Number) as [number, number, number];
  // 29 February plus a year whose February is shorter rolls on to 1 March: never a day too early.
  return new Date(Date.UTC(year + years, month - 1, day)).toISOString().slice(0, 10);
}

export interface Erasure {
  /** erased: now; already_erased: before (by retention or request), nothing changed. */
  outcome: 'erased' | 'already_erased';
  number: string;
  erasedAt: string;
  erasedUnder: string;
  erasedBecause: ErasureCause;
}

export interface ErasureRequest {
  at: Date;
  /** Who erases: `coordinator:<sub>`, `schedule:daily-retention`, `cli:<user>`. */
  by: string;
  /** Why, for the audit log (never what is erased). */
  reason: string;
  because: ErasureCause;
}

/**
 * Erases one complaint's personal data (SPEC §7): the submission's customer, vehicle, description,
 * request and post URL, every stored file (the customer's and the evidence added later), the free
 * text of its history and the reasons copied beside it (a forced closure's, in the read model and
 * the case library; a major complaint's), and the answers kept for its retried actions. The
 * submission document stays (a repeat of its source key must find the complaint, and never store
 * the submission again); the complaint keeps its facts and is marked `erasedAt`, `erasedUnder`,
 * `erasedBecause`.
 *
 * Safe to repeat: the audit entry is keyed by the number, every step erases what is left, and the
 * complaint is marked last, so an erasure interrupted anywhere completes on the next attempt. The
 * caller decides whether the complaint may be erased (closed, not on hold).
 */
export async function eraseComplaint(models: Models, number: string, request: ErasureRequest, policies?: readonly Policy[]): Promise<Erasure> {
  let doc = await models.Complaint.findById(number).lean();
  if (!doc) throw new Error(`complaint ${number} is not in the read model`);
  if (doc.erasedAt) return { outcome: 'already_erased', number, erasedAt: doc.erasedAt.toISOString(), erasedUnder: doc.erasedUnder ?? '', erasedBecause: (doc.erasedBecause ?? 'retention') as ErasureCause };
  const policy = complaintPolicy(doc, policies ?? (await loadPolicies(models)));
  const policyVersion = policy?.version ?? doc.policyVersion ?? '';
  const at = request.at;
  const marker: ErasureMarker = { erased: true, at: at.toISOString(), policyVersion };

  let claimed = false;
  try {
    await models.PrivacyAudit.create({ _id: `${number}:erase`, number, action: 'erase', by: request.by, at, reason: request.reason, policyVersion });
    claimed = true;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error; // an earlier attempt recorded it
  }
  // Claim, then check: a hold placed while the caller decided is seen here, and a hold placed from
  // now on sees the claim (placeHold), so that a complaint is never erased under a hold it was given.
  if (claimed && (await models.LegalHold.exists({ _id: number }))) {
    await models.PrivacyAudit.deleteOne({ _id: `${number}:erase` });
    throw new OnLegalHold(number);
  }
  await models.Attachment.deleteMany({ number });
  await eraseClaims(models, number, at);
  await models.Submission.updateOne({ _id: number }, { $unset: { customer: 1, vehicle: 1, description: 1, request: 1, url: 1 }, $set: { attachments: [], erasedAt: at } });
  await forgetAnswers(models.Complaint.db, 'POST', `/api/complaints/${number}/`);
  // A case-library entry keeps the lesson and the facts, not the forced closure's reason it copied.
  await models.CaseEntry.updateOne({ _id: number }, { $set: { 'complaint.closeReason': null } });

  // The history is rewritten as read: written only if no event arrived in between (a late
  // projection of the closing workflow), else read again.
  for (let attempt = 1; ; attempt++) {
    const history = eraseHistory(doc.history, marker);
    const major = doc.major as Record<string, unknown> | null | undefined;
    const { matchedCount } = await models.Complaint.updateOne(
      { _id: number, eventCount: doc.eventCount },
      {
        $set: { history, erasedAt: at, erasedUnder: policyVersion, erasedBecause: request.because, ...(major?.reason !== undefined && { major: { ...major, reason: marker } }) },
        $unset: { closeReason: 1 },
      },
    );
    if (matchedCount) break;
    if (attempt === 5) throw new Error(`complaint ${number} kept changing while its history was erased`);
    doc = (await models.Complaint.findById(number).lean())!;
  }
  return { outcome: 'erased', number, erasedAt: at.toISOString(), erasedUnder: policyVersion, erasedBecause: request.because };
}

/**
 * SPEC §3.10, §7: a complaint's claims keep their amounts and decisions (finance paid them) and lose
 * what is about the customer: the documents (ID and licence copies), their file names, the
 * description of what was agreed, and the answers kept for their retried decisions.
 */
async function eraseClaims(models: Models, number: string, at: Date): Promise<void> {
  await models.ClaimDocument.deleteMany({ number });
  for (const claim of await models.Claim.find({ number }, { documents: 1, rejectReason: 1 }).lean()) {
    const documents = claim.documents.map((d) => ({ ...d, filename: '(erased)' }));
    // A rejection's reason is staff's words, often about the customer: erased too (the decision stays).
    const rejected = { rejectReason: '(erased)' };
    await models.Claim.updateOne({ _id: claim._id }, { $set: { description: '(erased)', documents, erasedAt: at, ...(claim.rejectReason && rejected) } });
    if (claim.rejectReason) await models.ClaimDecision.updateOne({ _id: claim._id }, { $set: rejected });
    await forgetAnswers(models.Complaint.db, 'POST', `/api/claims/${claim._id}/`);
  }
}

/** The complaint is on legal hold: its personal data is kept. */
export class OnLegalHold extends Error {
  constructor(readonly number: string) {
    super(`complaint ${number} is on legal hold`);
  }
}

/** The complaint's personal data is being (or was) erased: a hold would keep nothing. */
export class ErasureUnderWay extends Error {
  constructor(readonly number: string) {
    super(`the personal data of complaint ${number} is being erased`);
  }
}

export interface RetentionRunOptions {
  /** The Beijing date the run is for (YYYY-MM-DD): complaints kept until before it are erased. */
  asOf: string;
  /** Counts what would be erased, erases nothing. */
  dryRun?: boolean;
  /** Who runs it, for the audit log. */
  by: string;
  now?: () => Date;
}

export interface RetentionReport {
  asOf: string;
  dryRun: boolean;
  /** Closed complaints looked at. */
  closed: number;
  /** Past their policy's retention and not on hold: erased by this run (a dry run: would be). */
  erased: number;
  /** Past their retention but on legal hold: kept. */
  held: number;
  /** Erased before (by an earlier run or on request). */
  alreadyErased: number;
  /** Closed, still within their retention. */
  notYetDue: number;
  /** Closed complaints whose policy (or closing time) is unknown: kept, and worth a look. */
  unknownPolicy: number;
  /** Complaints due but not erased because erasing them failed (a malformed document): tried again by the next run. */
  failed: { number: string; error: string }[];
  /** Per policy version: its retention in years and what this run did under it. */
  byPolicy: Record<string, { closedComplaintYears: number; erased: number; held: number; notYetDue: number }>;
}

/**
 * The retention run (SPEC §7), as the daily Schedule, and the ops CLI, call it: every closed
 * complaint kept past its own policy's retention as of `asOf` is erased, unless it is on legal hold.
 * A run repeated for the same date erases nothing more.
 */
export async function runRetention(models: Models, options: RetentionRunOptions): Promise<RetentionReport> {
  const { asOf, dryRun = false, by } = options;
  const now = options.now ?? (() => new Date());
  const policies = await loadPolicies(models);
  const holds = new Set((await models.LegalHold.find({}, { _id: 1 }).lean()).map((h) => h._id));
  // One read of the closed complaints' facts (FerretDB scans for any filter but _id).
  const closed = await models.Complaint.find({ status: { $in: CLOSED_STATUSES } }, { _id: 1, closedAt: 1, policyVersion: 1, 'deadlines.policyVersion': 1, receivedAt: 1, erasedAt: 1 })
    .sort({ _id: 1 })
    .lean();
  const report: RetentionReport = { asOf, dryRun, closed: closed.length, erased: 0, held: 0, alreadyErased: 0, notYetDue: 0, unknownPolicy: 0, failed: [], byPolicy: {} };
  for (const doc of closed) {
    if (doc.erasedAt) {
      report.alreadyErased += 1;
      continue;
    }
    const policy = complaintPolicy(doc, policies);
    if (!policy || !doc.closedAt) {
      report.unknownPolicy += 1;
      continue;
    }
    const years = policy.retention.closedComplaintYears;
    const counts = (report.byPolicy[policy.version] ??= { closedComplaintYears: years, erased: 0, held: 0, notYetDue: 0 });
    if (keptUntil(doc.closedAt, years) >= asOf) {
      report.notYetDue += 1;
      counts.notYetDue += 1;
      continue;
    }
    // Asked again just before erasing: a hold placed while the run goes on still keeps the complaint.
    if (holds.has(doc._id) || (!dryRun && (await models.LegalHold.exists({ _id: doc._id })))) {
      report.held += 1;
      counts.held += 1;
      continue;
    }
    if (!dryRun) {
      const reason = `retention: closed ${beijingDate(doc.closedAt)}, kept ${years} year${years === 1 ? '' : 's'} under policy ${policy.version} (as of ${asOf})`;
      try {
        await eraseComplaint(models, doc._id, { at: now(), by, reason, because: 'retention' }, policies);
      } catch (error) {
        if (error instanceof OnLegalHold) {
          report.held += 1;
          counts.held += 1;
          continue;
        }
        // One complaint that cannot be erased (a malformed document) never holds back every other
        // one, today or on later days: it is counted, named, and tried again by the next run.
        report.failed.push({ number: doc._id, error: (error as Error).message });
        continue;
      }
    }
    report.erased += 1;
    counts.erased += 1;
  }
  return report;
}

export interface LegalHoldView {
  number: string;
  reason: string;
  by: string;
  at: string;
}

const holdView = (hold: { _id: string; reason: string; by: string; at: Date }): LegalHoldView => ({ number: hold._id, reason: hold.reason, by: hold.by, at: hold.at.toISOString() });

async function audit(models: Models, entry: { number: string; action: 'hold' | 'release'; by: string; at: Date; reason: string }): Promise<void> {
  await models.PrivacyAudit.create({ _id: `${entry.number}:${entry.action}:${randomUUID()}`, ...entry });
}

/**
 * Puts a complaint on legal hold (or changes the hold's reason): retention keeps it until the hold
 * is released. Audited when something changed; the same hold again changes nothing.
 */
export async function placeHold(models: Models, number: string, request: { by: string; reason: string; at: Date }): Promise<{ hold: LegalHoldView; changed: boolean }> {
  const existing = await models.LegalHold.findById(number).lean();
  if (existing && existing.reason === request.reason) return { hold: holdView(existing), changed: false };
  await models.LegalHold.replaceOne({ _id: number }, { reason: request.reason, by: request.by, at: request.at }, { upsert: true });
  // Hold, then check: an erasure that claimed the complaint before this hold was written goes on
  // (eraseComplaint checks for holds only after its claim), so the hold would keep nothing.
  if (await models.PrivacyAudit.exists({ _id: `${number}:erase` })) {
    if (existing) await models.LegalHold.replaceOne({ _id: number }, existing);
    else await models.LegalHold.deleteOne({ _id: number });
    throw new ErasureUnderWay(number);
  }
  await audit(models, { number, action: 'hold', by: request.by, at: request.at, reason: request.reason });
  return { hold: holdView({ _id: number, ...request }), changed: true };
}

/** Releases a complaint's legal hold, audited with who, when and why; undefined: it had none. */
export async function releaseHold(models: Models, number: string, request: { by: string; reason: string; at: Date }): Promise<LegalHoldView | undefined> {
  const existing = await models.LegalHold.findById(number).lean();
  if (!existing) return undefined;
  await audit(models, { number, action: 'release', by: request.by, at: request.at, reason: request.reason });
  await models.LegalHold.deleteOne({ _id: number });
  return holdView(existing);
}

/** Every complaint on legal hold, oldest hold first. */
export async function listHolds(models: Models): Promise<LegalHoldView[]> {
  const holds = await models.LegalHold.find({}).lean();
  return holds.map(holdView).sort((a, b) => a.at.localeCompare(b.at) || a.number.localeCompare(b.number));
}

/** A complaint's privacy audit (holds, releases, its erasure), in order: who, when, why. */
export async function privacyAuditOf(models: Models, number: string) {
  const entries = await models.PrivacyAudit.find({ number }).lean();
  return entries
    .map((e) => ({ action: e.action, by: e.by, at: e.at.toISOString(), reason: e.reason, ...(e.policyVersion && { policyVersion: e.policyVersion }) }))
    .sort((a, b) => a.at.localeCompare(b.at));
}

/** What the daily retention Schedule's workflow asks of the reporting worker (workflows/src/schedules.ts). */
export interface RetentionActivities {
  /** The retention run as of the Beijing date of `at` (the Schedule's time). */
  runRetention(input: { at: string; dryRun?: boolean }): Promise<RetentionReport>;
}

export function createRetentionActivities({ models }: { models: Models }): RetentionActivities {
  return {
    runRetention: ({ at, dryRun }) => runRetention(models, { asOf: beijingDate(at), dryRun: dryRun ?? false, by: 'schedule:daily-retention' }),
  };
}
