import { z } from 'zod';

// A missing field says so, in every schema (API field messages, the form, the CLI), rather than
// zod's "Invalid input: expected string, received undefined".
z.config({ customError: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined) });

// SPEC §2: what comes in. The values are a contract with integrations (SPEC §8).
export const CHANNELS = ['hotline', 'web_form', 'email', 'walk_in', 'written', 'transferred', 'internet'] as const;
export const KINDS = ['complaint', 'repair_request', 'inquiry', 'suggestion'] as const;
export const CATEGORIES = ['product_quality', 'technical_capability', 'service_process', 'parts_supply'] as const;
export const SEVERITIES = ['minor', 'major'] as const;

export type Channel = (typeof CHANNELS)[number];
export type Kind = (typeof KINDS)[number];
export type Category = (typeof CATEGORIES)[number];
export type Severity = (typeof SEVERITIES)[number];

// SPEC §3: the statuses and their groups live in ./statuses (pure, for workflows and the browser too).
import type { ComplaintStatus } from './statuses';

// Mainland phone numbers: mobile 1xxxxxxxxxx, or landline / 400 numbers with optional separators.
const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 -]{5,19}$/, 'must be a phone number (digits, spaces or dashes)');

// ISO 3779: 17 characters, no I, O or Q.
export const vinSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-HJ-NPR-Z0-9]{17}$/, 'must be a 17-character VIN without I, O or Q');

export const customerSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(100),
  phone: phone.optional(),
  email: z.email('must be an email address').optional(),
});

export const vehicleSchema = z.object({
  vin: vinSchema.optional(),
  plate: z.string().trim().min(2).max(16).optional(),
});

export const dealerCodeSchema = z
  .string()
  .trim()
  .regex(/^[A-Z0-9][A-Z0-9_-]{1,31}$/, 'must be a dealer code (capital letters, digits, - or _)');

const wholeObject = (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null;

/**
 * A new complaint as the web form, staff and integrations submit it (SPEC §8).
 * The hotline adds `callId`; internet complaints carry `url`, `source`, `postedAt`.
 */
export const complaintInputSchema = z
  .object({
    kind: z.enum(KINDS),
    category: z.enum(CATEGORIES),
    severity: z.enum(SEVERITIES).default('minor'),
    channel: z.enum(CHANNELS).default('web_form'),
    customer: customerSchema,
    vehicle: vehicleSchema.default({}),
    dealerCode: dealerCodeSchema.optional(),
    description: z.string().trim().min(1, 'is required').max(5000),
    request: z.string().trim().max(2000).default(''),
    receivedAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset' }).optional(),
    url: z.url().optional(),
    source: z.string().trim().max(100).optional(),
    postedAt: z.iso.datetime({ offset: true }).optional(),
    /** The customer's language for the emails they get; Chinese unless given. */
    language: z.enum(['zh', 'en']).optional(),
  })
  // Checked also when other fields failed, so that the form shows every message at once.
  .refine((value) => Boolean(value.customer?.phone) || value.channel === 'internet', {
    path: ['customer', 'phone'],
    message: 'is required', // SPEC §8: unless it is an internet complaint whose author is unknown
    when: wholeObject,
  })
  .refine((value) => value.channel !== 'internet' || Boolean(value.url), { path: ['url'], message: 'is required for internet complaints', when: wholeObject });

export type ComplaintInput = z.input<typeof complaintInputSchema>;
export type NewComplaint = z.output<typeof complaintInputSchema>;

/**
 * What the workflow knows of a complaint: the facts its rules and clocks depend on, and nothing
 * personal. The Temporal UI shows workflow inputs to operations staff, so the customer, vehicle,
 * description and post URL stay in the database's submission record (SPEC §7).
 */
export interface ComplaintFacts {
  kind: Kind;
  category: Category;
  severity: Severity;
  channel: Channel;
  /** The customer's own dealer, when known: the complaint is routed to it at once. */
  dealerCode?: string;
  /** The dealer's region, from the directory, when the dealer is known. */
  region?: string;
  /**
   * The dealer the customer named, when the complaint waits for the coordinator instead of going to
   * it (SPEC §3.2: the public web form; a channel the policy does not route). It counts against nobody until dispatched.
   */
  namedDealerCode?: string;
  source?: string;
  receivedAt: string;
  /** `role:sub` of the staff member who recorded the complaint, when staff did (SPEC §3: who, when, what). */
  recordedBy?: string;
  /** The customer gave an email address: told of receipt and closure (seeds 000, 001, 003). The address stays in the submission. */
  customerEmail?: boolean;
}

export interface ComplaintWorkflowInput {
  number: string;
  facts: ComplaintFacts;
}

export function complaintFacts(complaint: NewComplaint, receivedAt: Date, dealer?: { code: string; region: string }, recordedBy?: string, { awaitsCoordinator = false } = {}): ComplaintFacts {
  const { kind, category, severity, channel, dealerCode, source } = complaint;
  return {
    kind,
    category,
    severity,
    channel,
    receivedAt: receivedAt.toISOString(),
    ...(dealerCode && (awaitsCoordinator ? { namedDealerCode: dealerCode } : { dealerCode })),
    ...(!awaitsCoordinator && dealer && dealer.code === dealerCode && { region: dealer.region }),
    ...(source && { source }),
    ...(recordedBy && { recordedBy }),
    ...(complaint.customer.email && { customerEmail: true }),
  };
}

/** Complaint numbers: C + receipt date in Beijing time + a daily sequence, e.g. C20261123-0007. */
export const COMPLAINT_NUMBER_PATTERN = /^C\d{8}-\d{4,}$/;

export function formatComplaintNumber(beijingDate: string, sequence: number): string {
  return `C${beijingDate.replaceAll('-', '')}-${String(sequence).padStart(4, '0')}`;
}

export function complaintWorkflowId(number: string): string {
  return `complaint-${number}`;
}

/** One entry of a complaint's history (SPEC §3: who, when, what). Its id makes its projection idempotent. */
export interface ComplaintEvent {
  id: string;
  sequence: number;
  type: string;
  at: string;
  by: string;
  summary: string;
  status: ComplaintStatus;
  data?: Record<string, unknown>;
}
