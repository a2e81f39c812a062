// SPEC §5: who is told what. The workflow names recipients by role or dealer; the notifier
// resolves them to addresses and languages, so workflows never hold an email address.

export const TEMPLATES = ['complaint_received'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export const LANGUAGES = ['zh', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export type RecipientRef = { role: 'coordinator' | 'call_center' | 'hq' } | { dealerCode: string } | { region: string };

export interface NotificationRequest {
  /** Unique per email the business means to send once, e.g. `C20261123-0001:received`. */
  key: string;
  template: TemplateName;
  recipients: RecipientRef[];
  /** Template values. Never personal data (SPEC §5: no phone number in emails). */
  data: Record<string, string>;
}

export interface NotificationResult {
  sent: number;
  alreadySent: number;
}
