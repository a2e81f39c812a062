import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { CATEGORIES, CHANNELS, KINDS, SEVERITIES, STATUSES } from '@complaints/shared';

// The read model. Workflows are the source of truth; these documents are projections written
// idempotently by activities (every write keyed by the complaint number or an event id).
// FerretDB compatibility: no transactions, no $lookup/$facet (docs/ferretdb.md).

const complaintSchema = new Schema(
  {
    _id: { type: String, required: true }, // the complaint number
    workflowId: { type: String, required: true },
    kind: { type: String, enum: KINDS, required: true },
    category: { type: String, enum: CATEGORIES, required: true },
    severity: { type: String, enum: SEVERITIES, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    status: { type: String, enum: STATUSES, required: true },
    // Personal data (SPEC §7): only roles that need it see it; never logged.
    customer: {
      name: { type: String, required: true },
      phone: String,
      email: String,
    },
    vehicle: { vin: String, plate: String },
    dealerCode: String,
    region: String,
    description: { type: String, required: true },
    request: { type: String, default: '' },
    url: String,
    source: String,
    postedAt: Date,
    receivedAt: { type: Date, required: true },
    eventCount: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false },
);
complaintSchema.index({ status: 1, receivedAt: -1 });
complaintSchema.index({ dealerCode: 1, receivedAt: -1 });

const complaintEventSchema = new Schema(
  {
    _id: { type: String, required: true }, // `${number}:${sequence}`, assigned by the workflow
    number: { type: String, required: true },
    sequence: { type: Number, required: true },
    type: { type: String, required: true },
    at: { type: Date, required: true },
    by: { type: String, required: true },
    summary: { type: String, required: true },
    data: { type: Schema.Types.Mixed, default: {} },
  },
  { versionKey: false },
);
complaintEventSchema.index({ number: 1, sequence: 1 });

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

const counterSchema = new Schema({ _id: { type: String, required: true }, seq: { type: Number, required: true } }, { versionKey: false });

export function createModels(connection: Connection) {
  return {
    Complaint: connection.model('Complaint', complaintSchema, 'complaints'),
    ComplaintEvent: connection.model('ComplaintEvent', complaintEventSchema, 'complaint_events'),
    Notification: connection.model('Notification', notificationSchema, 'notifications'),
    Counter: connection.model('Counter', counterSchema, 'counters'),
  };
}

export type Models = ReturnType<typeof createModels>;
export type ComplaintDoc = InferSchemaType<typeof complaintSchema>;
export type ComplaintEventDoc = InferSchemaType<typeof complaintEventSchema>;

/** MongoDB's duplicate-key error: the write happened before, which for an idempotent write is success. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
