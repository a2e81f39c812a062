import type { Category, Channel, ComplaintStatus, Kind, Severity } from './domain';
import type { Language } from './notifications';

interface Labels {
  status: Record<ComplaintStatus, string>;
  kind: Record<Kind, string>;
  category: Record<Category, string>;
  severity: Record<Severity, string>;
  channel: Record<Channel, string>;
}

// The words the users use (SPEC glossary): Chinese by default, English per recipient.
export const LABELS: Record<Language, Labels> = {
  zh: {
    status: {
      received: '已受理',
      dispatched: '已派工',
      acknowledged: '已确认',
      contacted: '已联系客户',
      replied: '已回复',
      closure_requested: '申请关闭',
      closed: '已闭环',
      closed_unreachable: '联系不上关闭',
      force_closed: '强制闭环',
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
  },
  en: {
    status: {
      received: 'received',
      dispatched: 'dispatched',
      acknowledged: 'acknowledged',
      contacted: 'customer contacted',
      replied: 'replied',
      closure_requested: 'closure requested',
      closed: 'closed',
      closed_unreachable: 'closed (unreachable)',
      force_closed: 'force-closed',
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
  },
};
