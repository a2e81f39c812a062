import type { FollowUpMethod, FollowUpOutcome, RepairCase } from './actions';
import type { Category, Channel, Kind, Severity } from './domain';
import type { ComplaintStatus } from './statuses';
import type { Language } from './notifications';
import type { ClaimDocumentKind, ClaimStatus, ClaimType } from './claims';

interface Labels {
  status: Record<ComplaintStatus, string>;
  kind: Record<Kind, string>;
  category: Record<Category, string>;
  severity: Record<Severity, string>;
  channel: Record<Channel, string>;
  /** SPEC §3 step 7: what the follow-up call found. */
  outcome: Record<FollowUpOutcome, string>;
  /** SPEC §3.7: how the follow-up was done. */
  method: Record<FollowUpMethod, string>;
  /** Seed 002 400抱怨 §6.2.1–6.2.4: why a request is handled as a repair request (报修). */
  repairCase: Record<RepairCase, string>;
  /** SPEC §3.10 特殊索赔: its types, its documents (seed 002 重大抱怨 §4.3) and where it stands. */
  claimType: Record<ClaimType, string>;
  claimDocument: Record<ClaimDocumentKind, string>;
  claimStatus: Record<ClaimStatus, string>;
}

// The words the users use (SPEC glossary): Chinese by default, English per recipient.
export const LABELS: Record<Language, Labels> = {
  zh: {
    status: {
      awaiting_dispatch: '待派工',
      awaiting_acknowledgement: '待服务商确认',
      awaiting_reply: '待服务商回复',
      in_progress: '处理中',
      awaiting_closure_request: '待申请关闭',
      awaiting_follow_up: '待回访',
      closed: '已闭环',
      closed_unreachable: '联系不上关闭',
      force_closed: '强制闭环',
      invalid: '无效',
    },
    kind: { complaint: '抱怨', repair_request: '报修', inquiry: '咨询', suggestion: '建议' },
    category: { product_quality: '产品质量', technical_capability: '技术能力', service_process: '服务过程', parts_supply: '备件' },
    severity: { minor: '轻微', major: '重大' },
    channel: {
      hotline: '400热线',
      web_form: '网页表单',
      email: '邮件',
      walk_in: '当面/口头',
      written: '书面',
      transferred: '转交',
      internet: '网络抱怨',
    },
    outcome: { satisfied: '满意', unsatisfied: '不满意', false_reply: '虚假回复', unreachable: '联系不上' },
    method: { phone: '电话', wechat: '微信', visit: '上门面谈', letter: '书信' },
    repairCase: {
      not_yet_at_dealer: '尚未到服务商检修，需公司协调',
      dealer_lacks_capability: '原服务商技术能力不足',
      dealer_left_network: '原服务商退出网络',
      customer_chose_other_dealer: '用户自行选择其他服务商',
    },
    claimType: { special: '特殊索赔（与客户协议的补偿）', travel: '外出服务费用（交通、住宿）' },
    claimDocument: { vehicle_licence: '车辆行驶证复印件', owner_id: '车主身份证复印件', purchase_invoice: '购车发票复印件', agreement: '与用户签订的协议原件、收条', receipts: '交通、住宿票据', other: '其他文件' },
    claimStatus: { pending: '待审核', approved: '已批准', rejected: '已驳回' },
  },
  en: {
    status: {
      awaiting_dispatch: 'awaiting dispatch',
      awaiting_acknowledgement: 'awaiting the dealer’s confirmation',
      awaiting_reply: 'awaiting the dealer’s reply',
      in_progress: 'in progress',
      awaiting_closure_request: 'awaiting a closure request',
      awaiting_follow_up: 'awaiting the follow-up call',
      closed: 'closed',
      closed_unreachable: 'closed (customer unreachable)',
      force_closed: 'force-closed',
      invalid: 'invalid',
    },
    kind: { complaint: 'complaint', repair_request: 'repair request', inquiry: 'inquiry', suggestion: 'suggestion' },
    category: {
      product_quality: 'product quality',
      technical_capability: 'technical capability',
      service_process: 'service process',
      parts_supply: 'parts supply',
    },
    severity: { minor: 'minor', major: 'major' },
    channel: {
      hotline: 'hotline',
      web_form: 'web form',
      email: 'email',
      walk_in: 'walk-in',
      written: 'written',
      transferred: 'transferred',
      internet: 'internet',
    },
    outcome: { satisfied: 'satisfied', unsatisfied: 'unsatisfied', false_reply: 'false reply', unreachable: 'unreachable' },
    method: { phone: 'phone', wechat: 'WeChat', visit: 'visit', letter: 'letter' },
    repairCase: {
      not_yet_at_dealer: 'not yet at a dealer: the maker coordinates',
      dealer_lacks_capability: 'the first dealer lacks the skill',
      dealer_left_network: 'the first dealer left the network',
      customer_chose_other_dealer: 'the customer chose another dealer',
    },
    claimType: { special: 'special claim (compensation agreed with the customer)', travel: 'travel costs (transport and lodging)' },
    claimDocument: { vehicle_licence: 'vehicle licence (copy)', owner_id: 'owner’s ID (copy)', purchase_invoice: 'purchase invoice (copy)', agreement: 'agreement with the customer (original), receipts', receipts: 'transport and lodging receipts', other: 'other documents' },
    claimStatus: { pending: 'to decide', approved: 'approved', rejected: 'rejected' },
  },
};
