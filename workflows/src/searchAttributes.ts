import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// SPEC §8: the search attributes operations staff filter on in the Temporal UI.
export const ComplaintStatusKey = defineSearchAttributeKey('ComplaintStatus', SearchAttributeType.KEYWORD);
export const DealerCodeKey = defineSearchAttributeKey('DealerCode', SearchAttributeType.KEYWORD);
export const RegionKey = defineSearchAttributeKey('Region', SearchAttributeType.KEYWORD);
export const CategoryKey = defineSearchAttributeKey('Category', SearchAttributeType.KEYWORD);
export const SeverityKey = defineSearchAttributeKey('Severity', SearchAttributeType.KEYWORD);
export const ChannelKey = defineSearchAttributeKey('Channel', SearchAttributeType.KEYWORD);
export const OverdueKey = defineSearchAttributeKey('Overdue', SearchAttributeType.BOOL);
export const ClosureDeadlineKey = defineSearchAttributeKey('ClosureDeadline', SearchAttributeType.DATETIME);
export const EscalatedKey = defineSearchAttributeKey('Escalated', SearchAttributeType.BOOL);

/** Every key the servers must have registered before a complaint workflow starts. */
export const SEARCH_ATTRIBUTE_KEYS = [
  ComplaintStatusKey,
  DealerCodeKey,
  RegionKey,
  CategoryKey,
  SeverityKey,
  ChannelKey,
  OverdueKey,
  ClosureDeadlineKey,
  EscalatedKey,
] as const;
