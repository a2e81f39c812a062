import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { CATEGORIES, CHANNELS, CLAIM_DOCUMENT_KINDS, CLAIM_STATUSES, CLAIM_TYPES, KINDS, REPAIR_CASES, SEVERITIES, STATUSES } from '@complaints/shared';

// The read model. Workflows are the source of truth; these documents are projections written
// idempotently by activities (every write keyed by the complaint number or an event id).
// FerretDB compatibility (docs/ferretdb.md): no transactions, no $lookup/$facet, and only a filter
// with an _id equality is index-backed; writes therefore address documents by _id (a condition
// beside it is fine, but not atomic against a concurrent writer: claim races with a unique insert).

const complaintSchema = new Schema(
  {
    _id: { type: String, required: true }, // the complaint number
    workflowId: { type: String, required: true },
    kind: { type: String, enum: KINDS, required: true },
    category: { type: String, enum: CATEGORIES, required: true },
    severity: { type: String, enum: SEVERITIES, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    status: { type: String, enum: STATUSES, required: true },
    dealerCode: String,
    region: String,
    /** The dealer the customer named on a complaint that waits for the coordinator (SPEC §3.2): no work order yet. */
    namedDealerCode: String,
    source: String,
    receivedAt: { type: Date, required: true },
    /** Who recorded a complaint taken by staff (`coordinator:li`); absent for the public form and integrations. */
    recordedBy: String,
    // SPEC §4: fixed at receipt under the policy then in force (shared/src/deadlines.ts).
    closureDeadline: Date,
    policyVersion: String,
    deadlines: { type: Schema.Types.Mixed },
    // The workflow's state as of its last event (activities/src/persistence.ts).
    attributedDealerCode: String,
    overdue: { type: Boolean, default: false },
    escalated: { type: Boolean, default: false },
    replyDue: String,
    kpi: { type: Schema.Types.Mixed },
    major: { type: Schema.Types.Mixed },
    /** A repair request's case (seed 002 400抱怨 §6.2), as its dispatcher said; scored apart by case. */
    repairCase: { type: String, enum: REPAIR_CASES },
    closedAt: String,
    closeReason: String,
    // SPEC §7: the customer's personal data and the free text typed about them are erased, once
    // the complaint has been closed longer than its policy's retention (or on the customer's
    // request); the facts stay. When, under which policy version, and why (activities/src/retention.ts).
    erasedAt: Date,
    erasedUnder: String,
    erasedBecause: { type: String, enum: ['retention', 'request'] },
    // The history (SPEC §3: who, when, what) lives in the complaint document: FerretDB's SQLite
    // backend answers a lookup by _id from an index but scans for any other filter.
    eventCount: { type: Number, default: 0 },
    history: [
      {
        _id: false,
        id: { type: String, required: true }, // `${number}:${sequence}`, assigned by the workflow
        sequence: { type: Number, required: true },
        type: { type: String, required: true },
        at: { type: Date, required: true },
        by: { type: String, required: true },
        summary: { type: String, required: true },
        data: { type: Schema.Types.Mixed, default: {} },
      },
    ],
  },
  { timestamps: true, versionKey: false },
);
complaintSchema.index({ status: 1, receivedAt: -1 });
complaintSchema.index({ dealerCode: 1, receivedAt: -1 });
// Scorecards and the analysis read a month of receipt at once (on MongoDB from this index; FerretDB scans).
complaintSchema.index({ receivedAt: 1 });

const notificationSchema = new Schema(
  {
    _id: { type: String, required: true }, // the notification key: one email, sent once
    template: { type: String, required: true },
    to: { type: String, required: true },
    language: { type: String, required: true },
    status: { type: String, enum: ['sending', 'sent', 'undeliverable'], required: true },
    messageId: String,
    attempts: { type: Number, default: 0 },
    error: String,
    sentAt: Date,
  },
  { timestamps: true, versionKey: false },
);

// What the customer submitted, personal data included (SPEC §7). Kept apart from the complaint
// so that workflows, logs and emails never carry it, and so that retention can erase it alone.
const submissionSchema = new Schema(
  {
    _id: { type: String, required: true }, // the complaint number
    customer: {
      name: { type: String, required: true },
      phone: String,
      email: String,
    },
    vehicle: { vin: String, plate: String },
    attachments: [{ _id: false, id: String, filename: String, contentType: String, size: Number }],
    description: { type: String, required: true },
    request: { type: String, default: '' },
    url: String,
    postedAt: Date,
    receivedAt: { type: Date, required: true },
    /** The language the customer wrote in (the form's page, or the API's `language`): their emails are in it. */
    language: { type: String, enum: ['zh', 'en'] },
    /** SPEC §7: when the personal data above was erased. The document stays, so that intake never stores the submission again. */
    erasedAt: Date,
  },
  { timestamps: true, versionKey: false },
);

// Photos and documents the customer attached (SPEC §2). Keyed `<number>:<n>`, so storing the same
// submission again (a retried form post) overwrites rather than duplicates. Size-limited at intake.
// Files staff add after intake (evidence: photos, reports, invoices) are keyed `<number>:e<hex>`,
// never meeting the customer's, and say who added them.
const attachmentSchema = new Schema(
  {
    _id: { type: String, required: true },
    number: { type: String, required: true },
    filename: { type: String, required: true },
    contentType: { type: String, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
    data: { type: Buffer, required: true },
    /** `role:sub` of the staff member who added the file after intake. */
    uploadedBy: String,
  },
  { timestamps: true, versionKey: false },
);

// Erasure deletes a complaint's files by number (MongoDB answers from this index; FerretDB scans).
attachmentSchema.index({ number: 1 });

// An idempotency key of a source (hotline call id, internet post URL) → the complaint it became.
const intakeKeySchema = new Schema({ _id: { type: String, required: true }, number: { type: String, required: true } }, { timestamps: true, versionKey: false });

// A stored submission whose workflow is not confirmed started (Temporal did not answer, or intake
// stopped in between). Holds the workflow's input, so that intake's reconciler can start it later
// from the stored receipt time; deleted once the start is confirmed. A small collection: the
// reconciler reads all of it every few seconds.
const pendingStartSchema = new Schema(
  {
    _id: { type: String, required: true }, // the complaint number
    facts: { type: Schema.Types.Mixed, required: true },
    since: { type: Date, required: true },
    attempts: { type: Number, default: 0 },
    lastError: String,
    alertedAt: Date,
  },
  { versionKey: false },
);

const complaintNumberSchema = new Schema({ _id: { type: String, required: true }, claimedAt: { type: Date, required: true } }, { versionKey: false });

// The directory (SPEC §5): dealers, regions with their managers, and the roles' mailboxes.
const mailboxSchema = new Schema({ name: String, email: { type: String, required: true }, language: { type: String, enum: ['zh', 'en'], default: 'zh' } }, { _id: false });
const dealerSchema = new Schema(
  {
    _id: { type: String, required: true }, // the dealer code
    name: { type: String, required: true },
    region: { type: String, required: true },
    contacts: [mailboxSchema],
    serviceStatus: { type: String, enum: ['active', 'transitional', 'suspended'], default: 'active' },
    /** 星级 as the directory gives it; penalties change it from a month on (`starChanges`). */
    starLevel: Number,
    // What penalties did to the dealer (seed 002 重大抱怨 §5.1), kept when the directory is loaded again:
    // 撤站 from this month (YYYY-MM), and star downgrades and cancellations, each from a month.
    delistedFrom: String,
    starChanges: [{ _id: false, from: { type: String, required: true }, change: { type: String, enum: ['downgrade', 'cancellation'], required: true }, penaltyId: String }],
  },
  { timestamps: true, versionKey: false },
);
const regionSchema = new Schema({ _id: { type: String, required: true }, name: { type: String, required: true }, managers: [mailboxSchema] }, { timestamps: true, versionKey: false });
const roleMailboxSchema = new Schema({ _id: { type: String, required: true }, mailboxes: [mailboxSchema] }, { timestamps: true, versionKey: false });

// Rules the operator maintains (SPEC §4): one calendar per year, policies by version.
const calendarSchema = new Schema(
  {
    _id: { type: Number, required: true }, // the year
    year: { type: Number, required: true },
    version: { type: String, required: true },
    source: String,
    holidays: [{ _id: false, name: String, from: String, to: String }],
    makeUpWorkdays: [{ _id: false, name: String, date: String }],
    // Who loaded the version in force, and when (SPEC §8 `GET /api/calendars`).
    loadedBy: String,
    loadedAt: Date,
  },
  { timestamps: true, versionKey: false },
);

// Every version of a year's calendar ever loaded, kept as loaded: what the console lists and diffs.
// `correction`: the open complaints' deadlines in that year are computed again with it (SPEC §4);
// `pending` until the workflow that does so has been started (intake's reconciler finishes it).
const calendarVersionSchema = new Schema(
  {
    _id: { type: String, required: true }, // `<year>:<version>`: a version is loaded once
    year: { type: Number, required: true },
    version: { type: String, required: true },
    source: String,
    holidays: [{ _id: false, name: String, from: String, to: String }],
    makeUpWorkdays: [{ _id: false, name: String, date: String }],
    loadedBy: { type: String, required: true },
    loadedAt: { type: Date, required: true },
    correction: { type: String, enum: ['pending', 'started', 'not_needed'], required: true },
  },
  { timestamps: true, versionKey: false },
);
calendarVersionSchema.index({ correction: 1 });

const policySchema = new Schema(
  { _id: { type: String, required: true } }, // the version; the rest is validated by shared/src/policy.ts
  { strict: false, timestamps: true, versionKey: false },
);

// SPEC §6: service visits (进站台次) per dealer and month, the base of the complaint quota.
const serviceVisitsSchema = new Schema(
  {
    _id: { type: String, required: true }, // `<dealerCode>:<YYYY-MM>`: an import replaces, never duplicates
    dealerCode: { type: String, required: true },
    month: { type: String, required: true },
    visits: { type: Number, required: true },
    importedBy: String,
  },
  { timestamps: true, versionKey: false },
);

// Penalties (考核) the coordinator records against a dealer for a month; shown on its scorecard.
const penaltySchema = new Schema(
  {
    dealerCode: { type: String, required: true },
    month: { type: String, required: true },
    kind: { type: String, enum: ['amount', 'star_downgrade', 'star_cancellation', 'delisting', 'media_exposure'], required: true },
    amount: Number,
    reason: { type: String, required: true },
    /** The complaint the penalty refers to (required since penalties follow seed 002 重大抱怨 §5.1; older ones lack it). */
    complaintNumber: String,
    by: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);

// A month's scorecards once frozen (one document per month, `_id` the month), with the audit trail
// of its freeze and recomputes, so that the money they decide does not move when late events
// arrive. The cards are kept as computed. The same shape, `_id` `<month>:<version>`, keeps every
// version as decided (frozen_scorecard_versions): inserting a version is what claims it, the
// unique `_id` being the one guarantee FerretDB and MongoDB both give under concurrency (FerretDB
// applies an update filtered by version as read, change, write, so two recomputes of the same
// version would both "win" and one audit entry would be lost).
const frozenScorecardSchema = new Schema(
  {
    _id: { type: String, required: true },
    month: { type: String, required: true },
    version: { type: Number, required: true },
    frozenAt: { type: String, required: true },
    frozenBy: { type: String, required: true },
    cards: { type: Schema.Types.Mixed, required: true },
    audit: { type: Schema.Types.Mixed, required: true },
  },
  { timestamps: true, versionKey: false },
);

// 典型案例库: complaints the coordinator marked as typical, with the lesson; the complaint's facts
// are copied in (never personal data), so the library reads without joins.
const caseEntrySchema = new Schema(
  {
    _id: { type: String, required: true }, // the complaint number
    title: { type: String, required: true },
    lesson: { type: String, required: true },
    tags: [String],
    complaint: { type: Schema.Types.Mixed, required: true },
    markedBy: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);

// SPEC §7: a complaint the coordinator keeps past its retention (a major case, a dispute, a
// case-library entry), with the reason; retention skips it until the hold is released.
const legalHoldSchema = new Schema(
  {
    _id: { type: String, required: true }, // the complaint number: one hold at a time
    reason: { type: String, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

// SPEC §7: who put a complaint on legal hold, released it or erased its personal data, when and
// why — never what was erased. Kept apart from the complaint, and never erased itself.
const privacyAuditSchema = new Schema(
  {
    _id: { type: String, required: true }, // `<number>:erase` for a complaint's one erasure (a retried one is recorded once); `<number>:<action>:<uuid>` otherwise
    number: { type: String, required: true },
    action: { type: String, enum: ['hold', 'release', 'erase'], required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
    reason: { type: String, required: true },
    /** For an erasure: the policy version whose retention applied (the complaint's own). */
    policyVersion: String,
  },
  { versionKey: false },
);
privacyAuditSchema.index({ number: 1, at: 1 });

// SPEC §3.10 特殊索赔: a dealer's claim on a major complaint, its documents' entries and the decision.
const claimDocumentEntrySchema = new Schema(
  {
    id: { type: String, required: true },
    kind: { type: String, enum: CLAIM_DOCUMENT_KINDS, required: true },
    filename: { type: String, required: true },
    contentType: { type: String, required: true },
    size: { type: Number, required: true },
    uploadedBy: { type: String, required: true },
    uploadedAt: { type: Date, required: true },
  },
  { _id: false },
);
const claimSchema = new Schema(
  {
    _id: { type: String, required: true },
    number: { type: String, required: true },
    dealerCode: { type: String, required: true },
    region: String,
    type: { type: String, enum: CLAIM_TYPES, required: true },
    amount: { type: Number, required: true },
    /** Free text about what was agreed with the customer: personal data (erased with the complaint's). */
    description: { type: String, required: true },
    status: { type: String, enum: CLAIM_STATUSES, required: true, default: 'pending' },
    filedBy: { type: String, required: true },
    filedAt: { type: Date, required: true },
    documents: { type: [claimDocumentEntrySchema], default: [] },
    decidedBy: String,
    decidedAt: Date,
    approvedAmount: Number,
    rejectReason: String,
    erasedAt: Date,
  },
  { timestamps: true, versionKey: false },
);
claimSchema.index({ number: 1 });
claimSchema.index({ status: 1, filedAt: 1 });
claimSchema.index({ decidedAt: 1 });

/**
 * A claim's one decision, `_id` the claim's: inserting it is what decides (a unique insert is the one
 * guarantee FerretDB and MongoDB both give under concurrency), so two coordinators deciding at once
 * cannot both succeed. The claim document then shows it.
 */
const claimDecisionSchema = new Schema(
  {
    _id: { type: String, required: true },
    status: { type: String, enum: ['approved', 'rejected'], required: true },
    approvedAmount: Number,
    rejectReason: String,
    decidedBy: { type: String, required: true },
    decidedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/**
 * An email outside a complaint's workflow (a claim filed or decided) that Temporal has not taken yet,
 * `_id` its notification key: kept until its workflow started (intake's reconciler retries it).
 */
const pendingNoticeSchema = new Schema(
  { _id: { type: String, required: true }, template: { type: String, required: true }, recipients: { type: [Schema.Types.Mixed], required: true }, data: { type: Schema.Types.Mixed, required: true } },
  { timestamps: true, versionKey: false },
);

/** A claim document's bytes (ID and licence copies: coordinator and owning dealer only, SPEC §7), `_id` `<claim>:<document>`. */
const claimDocumentSchema = new Schema(
  {
    _id: { type: String, required: true },
    claimId: { type: String, required: true },
    number: { type: String, required: true },
    sha256: { type: String, required: true },
    data: { type: Buffer, required: true },
  },
  { timestamps: true, versionKey: false },
);
claimDocumentSchema.index({ number: 1 });

const counterSchema = new Schema({ _id: { type: String, required: true }, seq: { type: Number, required: true } }, { versionKey: false });

export function createModels(connection: Connection) {
  return {
    Complaint: connection.model('Complaint', complaintSchema, 'complaints'),
    Notification: connection.model('Notification', notificationSchema, 'notifications'),
    Submission: connection.model('Submission', submissionSchema, 'submissions'),
    Attachment: connection.model('Attachment', attachmentSchema, 'attachments'),
    IntakeKey: connection.model('IntakeKey', intakeKeySchema, 'intake_keys'),
    PendingStart: connection.model('PendingStart', pendingStartSchema, 'pending_starts'),
    ComplaintNumber: connection.model('ComplaintNumber', complaintNumberSchema, 'complaint_numbers'),
    Dealer: connection.model('Dealer', dealerSchema, 'dealers'),
    Region: connection.model('Region', regionSchema, 'regions'),
    RoleMailbox: connection.model('RoleMailbox', roleMailboxSchema, 'role_mailboxes'),
    Calendar: connection.model('Calendar', calendarSchema, 'calendars'),
    CalendarVersion: connection.model('CalendarVersion', calendarVersionSchema, 'calendar_versions'),
    Policy: connection.model('Policy', policySchema, 'policies'),
    Counter: connection.model('Counter', counterSchema, 'counters'),
    ServiceVisits: connection.model('ServiceVisits', serviceVisitsSchema, 'service_visits'),
    Penalty: connection.model('Penalty', penaltySchema, 'penalties'),
    FrozenScorecard: connection.model('FrozenScorecard', frozenScorecardSchema, 'frozen_scorecards'),
    FrozenScorecardVersion: connection.model('FrozenScorecardVersion', frozenScorecardSchema.clone(), 'frozen_scorecard_versions'),
    CaseEntry: connection.model('CaseEntry', caseEntrySchema, 'case_library'),
    LegalHold: connection.model('LegalHold', legalHoldSchema, 'legal_holds'),
    PrivacyAudit: connection.model('PrivacyAudit', privacyAuditSchema, 'privacy_audit'),
    Claim: connection.model('Claim', claimSchema, 'claims'),
    ClaimDocument: connection.model('ClaimDocument', claimDocumentSchema, 'claim_documents'),
    ClaimDecision: connection.model('ClaimDecision', claimDecisionSchema, 'claim_decisions'),
    PendingNotice: connection.model('PendingNotice', pendingNoticeSchema, 'pending_notices'),
  };
}

export type Models = ReturnType<typeof createModels>;
export type ComplaintDoc = InferSchemaType<typeof complaintSchema>;
export type SubmissionDoc = InferSchemaType<typeof submissionSchema>;
export type ClaimDoc = InferSchemaType<typeof claimSchema>;

/** MongoDB's duplicate-key error: the write happened before, which for an idempotent write is success. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
