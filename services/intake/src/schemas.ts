import { z } from 'zod';
import { CATEGORIES, CHANNELS, complaintInputSchema, dealerCodeSchema, KINDS, OPEN_STATUSES, SEVERITIES, STATUSES, type ComplaintStatus } from '@complaints/shared';

// The HTTP contract beyond SPEC §8's bodies: queries, answers and the one error shape. These
// schemas validate requests and generate the OpenAPI document (src/openapi.ts), so the two agree.

export const errorSchema = z
  .object({
    error: z.string().meta({ description: 'a machine-readable code, e.g. validation_failed, not_found, refused' }),
    message: z.string(),
    details: z.array(z.object({ path: z.string().meta({ description: 'the field, dotted: customer.phone' }), message: z.string() })),
  })
  .meta({ id: 'Error' });

export const createdSchema = z
  .object({
    number: z.string().meta({ example: 'C20261123-0007' }),
    workflowId: z.string(),
    workflowStarted: z.boolean().meta({ description: 'false: the complaint is stored and accepted, and its workflow (its clocks, from the stored receipt time) starts as soon as Temporal answers' }),
  })
  .meta({ id: 'Created' });

/** Staff choose any channel; the public form is always `web_form` (and is rate-limited). */
export const newComplaintSchema = complaintInputSchema.meta({ id: 'NewComplaint' });

/**
 * `Idempotency-Key`: a repeat of the same key by the same staff caller is the same complaint (200,
 * same number). An anonymous caller's key counts only when the server issued it (`POST /api/form-tokens`).
 */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,100}$/, 'must be 8–100 letters, digits, dots, dashes, colons or underscores')
  .optional();

const STATUS_GROUPS: Record<string, readonly ComplaintStatus[]> = {
  open: OPEN_STATUSES,
  closed: STATUSES.filter((s) => !OPEN_STATUSES.includes(s)),
};

/** `received between`: a Beijing date (the whole day) or an ISO 8601 date-time. */
const instant = (edge: 'from' | 'to') =>
  z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((value) => {
    if (value.length > 10) return new Date(value);
    const start = new Date(`${value}T00:00:00+08:00`);
    return edge === 'from' ? start : new Date(start.getTime() + 86_400_000);
  });

/** The fields a list may be sorted by. */
export const LIST_SORTS = ['receivedAt', 'closureDeadline', 'replyDue', 'number', 'status', 'dealerCode', 'region', 'category'] as const;

export const listQuerySchema = z
  .object({
    status: z
      .string()
      .transform((value, ctx) => {
        const statuses = value.split(',').flatMap((s): readonly string[] => STATUS_GROUPS[s] ?? [s]);
        const unknown = statuses.filter((s) => !(STATUSES as readonly string[]).includes(s));
        if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown status ${unknown.join(', ')}: use ${STATUSES.join(', ')}, open or closed` });
        return statuses as ComplaintStatus[];
      })
      .optional()
      .meta({ description: 'one or more statuses, comma-separated, or `open` / `closed`', example: 'open' }),
    dealerCode: dealerCodeSchema.optional(),
    region: z.string().trim().min(1).max(50).optional(),
    category: z.enum(CATEGORIES).optional(),
    kind: z.enum(KINDS).optional(),
    channel: z.enum(CHANNELS).optional(),
    severity: z.enum(SEVERITIES).optional(),
    overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    escalated: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    receivedFrom: instant('from').optional().meta({ description: 'from this Beijing date or date-time on', example: '2026-11-01' }),
    receivedTo: instant('to').optional().meta({ description: 'up to the end of this Beijing date, or before this date-time', example: '2026-11-30' }),
    sort: z
      .enum(LIST_SORTS.flatMap((field) => [field, `-${field}`]) as [string, ...string[]])
      .default('-receivedAt')
      .meta({ description: `the order: ${LIST_SORTS.join(', ')}; a leading \`-\` for newest or latest first`, example: 'closureDeadline' }),
    followUp: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .meta({ description: 'the call center only: each row with the customer’s contact details and, awaiting follow-up, when the call is due and the unreachable attempts so far' }),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(20),
  })
  .strict();
export type ListQuery = z.output<typeof listQuerySchema>;

export const complaintSummarySchema = z
  .object({
    number: z.string(),
    status: z.enum(['received', ...STATUSES]).meta({ description: '`received`: stored, and its workflow has not yet recorded the receipt (its first moments)' }),
    kind: z.enum(KINDS),
    category: z.enum(CATEGORIES),
    severity: z.enum(SEVERITIES),
    channel: z.enum(CHANNELS),
    dealerCode: z.string().nullable(),
    region: z.string().nullable(),
    receivedAt: z.string(),
    replyDue: z.string().nullable().meta({ description: 'when the dealer’s reply is due (ISO 8601), while one is awaited' }),
    closureDeadline: z.string().nullable(),
    overdue: z.boolean(),
    escalated: z.boolean(),
    customer: z
      .object({ name: z.string(), phone: z.string().optional(), email: z.string().optional() })
      .optional()
      .meta({ description: 'with `followUp=true` (the call center): the customer to call' }),
    followUp: z
      .object({ due: z.string().nullable(), attempts: z.number().int() })
      .optional()
      .meta({ description: 'with `followUp=true`, awaiting follow-up: when the call is due (ISO 8601) and how many times the customer was not reached since the closure request' }),
  })
  .meta({ id: 'ComplaintSummary' });

export const complaintListSchema = z
  .object({ items: z.array(complaintSummarySchema), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() })
  .meta({ id: 'ComplaintList' });

export const historyEventSchema = z.object({ id: z.string(), sequence: z.number().int(), type: z.string(), at: z.string(), by: z.string(), summary: z.string(), data: z.record(z.string(), z.unknown()).optional() });

export const attachmentSchema = z
  .object({
    id: z.string().meta({ description: 'the customer’s files at intake `1`, `2`…; files added after intake `e` and 16 hex digits', example: 'e3f9a0c2d41b7e65' }),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    uploadedBy: z.string().optional().meta({ description: 'who added it after intake (`role:sub`)' }),
    uploadedAt: z.string().optional(),
  })
  .meta({ id: 'Attachment' });

export const complaintDetailSchema = complaintSummarySchema
  .extend({
    workflowId: z.string(),
    description: z.string().optional(),
    request: z.string().optional(),
    customer: z.object({ name: z.string(), phone: z.string().optional(), email: z.string().optional() }).optional().meta({ description: 'for the roles that handle the customer: coordinator, call center, the dealer' }),
    vehicle: z.object({ vin: z.string().optional(), plate: z.string().optional() }).optional(),
    attachments: z.array(attachmentSchema),
    history: z.array(historyEventSchema),
    actions: z.array(z.string()).meta({ description: 'the actions (`POST /api/complaints/{number}/<action>`, and `attachments`) the caller’s role may take in the complaint’s present state; the workflow has the last word' }),
    erased: z
      .object({ erased: z.literal(true), at: z.string(), policyVersion: z.string() })
      .optional()
      .meta({ description: 'SPEC §7: the personal data, files and free text are erased (after its retention, or on request); the same marker stands in the history where free text was' }),
  })
  .loose()
  .meta({ id: 'Complaint' });

export const stateSchema = z.object({ number: z.string(), status: z.enum(STATUSES) }).loose().meta({ id: 'ComplaintState', description: 'the workflow’s state after the action' });

export const dealersSchema = z
  .object({
    dealers: z.array(
      z.object({ code: z.string(), name: z.string(), region: z.string(), active: z.boolean().meta({ description: 'false: delisted from the network this month (撤站): no work orders go to it' }) }),
    ),
  })
  .meta({ id: 'Dealers' });

export const numberParamSchema = z.object({ number: z.string().meta({ example: 'C20261123-0007' }) });
