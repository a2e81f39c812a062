import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { complaintInputSchema, NO_KPI_FACTS, type KpiFacts, type Policy } from '@complaints/shared';
import { recordSubmission, savePolicy, storeAttachment, type Models } from '@complaints/activities';
import { shippedPolicies } from '@complaints/runtime/src/rules';

// Complaints as their workflows left them in the read model, received and closed in the past under
// a policy with a short retention (SPEC §7), with the customer's submission and files. Everything
// personal carries "PII", so a test finds any of it left anywhere.

/** The policy these complaints were received under: the defaults, kept 1 year after closure. */
export const SHORT_RETENTION: Policy = { ...shippedPolicies()[0]!, version: '2024.short', effectiveFrom: '2024-01-01T00:00:00+08:00', description: 'kept 1 year', retention: { closedComplaintYears: 1 } };

export const savePoliciesOfThePast = (models: Models) => savePolicy(models, SHORT_RETENTION);

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** A file as intake spills it to disk before storing it. */
function spilled(name: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'retention-'));
  const file = path.join(dir, name);
  writeFileSync(file, PNG);
  return { file: { filename: name, contentType: 'image/png', path: file, size: PNG.length }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const ev = (number: string, sequence: number, type: string, at: string, by: string, summary: string, status: string, data: Record<string, unknown> = {}) => ({
  id: `${number}:${sequence}`,
  sequence,
  type,
  at: new Date(at),
  by,
  summary,
  status,
  data,
});

export interface PastComplaint {
  number: string;
  receivedAt: string;
  closedAt?: string;
  status?: 'closed' | 'force_closed' | 'closed_unreachable' | 'awaiting_reply';
  policyVersion?: string;
  dealerCode?: string;
  channel?: 'hotline' | 'internet' | 'email';
  kpi?: Partial<KpiFacts>;
}

/**
 * Stores one complaint as its workflow and intake would have: the submission (customer, vehicle,
 * description, request, one photo), a file added later as evidence, and a history whose free text
 * (contact note, reply, cause, follow-up shortcomings, a forced closure's reason) names the customer.
 */
export async function storePastComplaint(models: Models, c: PastComplaint): Promise<void> {
  const { number, receivedAt } = c;
  const status = c.status ?? 'closed';
  const policyVersion = c.policyVersion ?? SHORT_RETENTION.version;
  const dealerCode = c.dealerCode ?? 'SH001';
  const channel = c.channel ?? 'hotline';
  const complaint = complaintInputSchema.parse({
    kind: 'complaint',
    category: 'product_quality',
    channel,
    customer: { name: 'PII-张三', phone: '13800138000', email: 'pii-zhang@example.com' },
    vehicle: { vin: 'LSVAU2180N2183294', plate: '沪A-PII01' },
    dealerCode,
    description: 'PII-description 发动机异响',
    request: 'PII-request 更换发动机',
    ...(channel === 'internet' && { url: `https://weibo.example.com/PII/${number}`, source: '微博', postedAt: receivedAt }),
  });
  const photo = spilled('PII-身份证.png');
  const evidence = spilled('PII-发票.png');
  try {
    await recordSubmission(models, number, complaint, new Date(receivedAt), [photo.file]);
    await storeAttachment(models, number, 'e0123456789abcdef', evidence.file, `dealer:${dealerCode}`);
  } finally {
    photo.cleanup();
    evidence.cleanup();
  }
  const at = (hours: number) => new Date(new Date(receivedAt).getTime() + hours * 3_600_000).toISOString();
  const history = [
    ev(number, 1, 'received', at(0), 'coordinator:c', '受理: 抱怨 / 产品质量', 'awaiting_acknowledgement'),
    ev(number, 2, 'dispatched', at(0), 'coordinator:c', `派工至服务商 ${dealerCode}`, 'awaiting_acknowledgement', { dealerCode, region: 'east', suggestion: 'PII-suggestion 先安抚张三' }),
    ev(number, 3, 'acknowledged', at(1), `dealer:${dealerCode}`, `服务商 ${dealerCode} 确认派工单`, 'awaiting_reply'),
    ev(number, 4, 'customer_contacted', at(2), `dealer:${dealerCode}`, '服务商联系客户', 'awaiting_reply', { note: 'PII-note 已致电张三 13800138000' }),
    ev(number, 5, 'evidence_added', at(3), `dealer:${dealerCode}`, '补充附件 1 个', 'awaiting_reply', { attachmentIds: ['e0123456789abcdef'], note: 'PII-evidence 发票' }),
    ev(number, 6, 'replied', at(5), `dealer:${dealerCode}`, '服务商回复最终处理结果', 'awaiting_closure_request', {
      final: true,
      cause: 'PII-cause 水泵密封圈老化',
      qualityDefect: true,
      partsReplaced: ['水泵总成'],
      text: 'PII-reply 已为张三更换水泵',
    }),
  ];
  if (status === 'force_closed') {
    history.push(ev(number, 7, 'upgraded_to_major', at(6), 'coordinator:c', '升级为重大抱怨: PII-major 张三联系了媒体', 'awaiting_reply', { reason: 'PII-major 张三联系了媒体' }));
    history.push(ev(number, 8, 'force_closed', c.closedAt!, 'coordinator:c', '强制闭环: PII-reason 张三要求赔偿过高', 'force_closed', { reason: 'PII-reason 张三要求赔偿过高' }));
  } else if (status !== 'awaiting_reply') {
    history.push(ev(number, 7, 'closure_requested', at(6), 'coordinator:c', '申请关闭（第 1 次），转客服回访', 'awaiting_follow_up', { note: 'PII-closure 请回访张三' }));
    history.push(
      ev(number, 8, status, c.closedAt!, 'call_center:cc', '回访满意，闭环', status, {
        outcome: 'satisfied',
        method: 'phone',
        ratings: { serviceQuality: 5, attitude: 4, priceCheck: 5, overall: 5, shortcomings: 'PII-shortcomings 等太久', suggestions: 'PII-suggestions 多联系张三' },
        note: 'PII-followup 张三满意',
      }),
    );
  }
  const kpi: KpiFacts = { ...NO_KPI_FACTS, repliedOnTime: true, contactedOnTime: true, closedWithinDeadline: status === 'closed', firstTimeClosure: status === 'closed', followUps: status === 'closed' ? 1 : 0, forcedClosure: status === 'force_closed', ratings: status === 'closed' ? { serviceQuality: 5, attitude: 4, priceCheck: 5, overall: 5 } : null, ...c.kpi };
  await models.Complaint.create({
    _id: number,
    workflowId: `complaint-${number}`,
    kind: 'complaint',
    category: 'product_quality',
    severity: 'minor',
    channel,
    status,
    dealerCode,
    region: 'east',
    receivedAt: new Date(receivedAt),
    recordedBy: 'coordinator:c',
    policyVersion,
    deadlines: { policyVersion, closureDeadline: at(7 * 24) },
    closureDeadline: new Date(at(7 * 24)),
    attributedDealerCode: dealerCode,
    kpi,
    ...(c.closedAt && { closedAt: c.closedAt }),
    ...(status === 'force_closed' && { closeReason: 'PII-reason 张三要求赔偿过高', major: { since: at(6), reason: 'PII-major 张三联系了媒体', firstReportDue: at(6.2) } }),
    eventCount: history.length,
    history,
  });
}

/** Everything stored about a complaint, as one text, to look for what should be gone. */
export async function everythingAbout(models: Models, number: string): Promise<string> {
  const [complaint, submission, attachments, requests, audit, cases] = await Promise.all([
    models.Complaint.findById(number).lean(),
    models.Submission.findById(number).lean(),
    models.Attachment.find({ number }).lean(),
    models.Complaint.db
      .collection<{ _id: string }>('idempotent_requests')
      .find({ _id: { $gte: `POST /api/complaints/${number}/`, $lt: `POST /api/complaints/${number}/\uffff` } })
      .toArray(),
    models.PrivacyAudit.find({ number }).lean(),
    models.CaseEntry.findById(number).lean(),
  ]);
  return JSON.stringify({ complaint, submission, attachments: attachments.map((a) => ({ ...a, data: Buffer.from(a.data.buffer).toString('latin1') })), requests, audit, cases });
}
