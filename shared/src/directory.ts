import { z } from 'zod';
import { dealerCodeSchema } from './domain';
import { LANGUAGES } from './notifications';

// SPEC §1, §5: who is told what. The directory the notifier resolves recipients from, and the
// dealers intake routes work orders to. Maintained by the operator as data.

const mailbox = z.object({ name: z.string().trim().min(1).optional(), email: z.email(), language: z.enum(LANGUAGES).default('zh') }).strict();

export const DEALER_SERVICE_STATUSES = ['active', 'transitional', 'suspended'] as const;

export const directorySchema = z
  .object({
    regions: z.array(z.object({ code: z.string().trim().min(1), name: z.string().trim().min(1), managers: z.array(mailbox).min(1) }).strict()),
    dealers: z.array(
      z
        .object({
          code: dealerCodeSchema,
          name: z.string().trim().min(1),
          region: z.string().trim().min(1),
          contacts: z.array(mailbox).min(1),
          serviceStatus: z.enum(DEALER_SERVICE_STATUSES).default('active'),
          /** 星级: the incentive amount may depend on it (policy `incentive.byStarLevel`). */
          starLevel: z.number().int().min(1).max(5).optional(),
        })
        .strict(),
    ),
    /** Mailboxes of the roles: coordinator, coordinator_head, call_center, hq. */
    roles: z.object({ coordinator: z.array(mailbox).min(1), coordinator_head: z.array(mailbox).min(1), call_center: z.array(mailbox).min(1), hq: z.array(mailbox).min(1) }).strict(),
  })
  .strict()
  .superRefine((directory, ctx) => {
    const regions = new Set(directory.regions.map((r) => r.code));
    const codes = new Set<string>();
    directory.dealers.forEach((dealer, i) => {
      if (!regions.has(dealer.region)) ctx.addIssue({ code: 'custom', path: ['dealers', i, 'region'], message: `region ${dealer.region} is not in regions` });
      if (codes.has(dealer.code)) ctx.addIssue({ code: 'custom', path: ['dealers', i, 'code'], message: `dealer ${dealer.code} is listed twice` });
      codes.add(dealer.code);
    });
  });

export type Directory = z.infer<typeof directorySchema>;
export type Mailbox = z.infer<typeof mailbox>;
export type MailboxRole = keyof Directory['roles'];
