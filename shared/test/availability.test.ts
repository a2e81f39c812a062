import { availableActions } from '../src/availability';

// SPEC §3, §8: who may do what, in which state; the console draws what this answers.
describe('the actions a role may take now', () => {
  const complaint = (status: string, over: object = {}) => ({ status, kind: 'complaint', severity: 'minor', ...over }) as Parameters<typeof availableActions>[1];

  it('gives the coordinator triage while a complaint waits for dispatch, and the call center only repair requests', () => {
    expect(availableActions('coordinator', complaint('awaiting_dispatch'))).toEqual(['dispatch', 'upgrade', 'invalidate', 'classify', 'force-close', 'attachments']);
    expect(availableActions('call_center', complaint('awaiting_dispatch'))).toEqual(['attachments']);
    expect(availableActions('call_center', complaint('awaiting_dispatch', { kind: 'repair_request' }))).toEqual(['dispatch', 'attachments']);
  });

  it('gives the dealer its work order’s steps, and the call center an inquiry’s answer', () => {
    expect(availableActions('dealer', complaint('awaiting_acknowledgement'))).toEqual(['acknowledge', 'attachments']);
    expect(availableActions('dealer', complaint('awaiting_reply'))).toEqual(['contact', 'reply', 'attachments']);
    expect(availableActions('dealer', complaint('awaiting_reply', { kind: 'inquiry' }))).toEqual(['contact', 'attachments']);
    expect(availableActions('call_center', complaint('awaiting_reply', { kind: 'inquiry' }))).toEqual(['reply', 'attachments']);
  });

  it('gives a major complaint’s follow-up and first report to its regional manager, and nothing once closed', () => {
    expect(availableActions('regional_manager', complaint('awaiting_follow_up', { severity: 'major' }))).toEqual(['follow-up', 'acknowledge-major']);
    expect(availableActions('regional_manager', complaint('awaiting_follow_up', { severity: 'major', majorAcknowledged: true }))).toEqual(['follow-up']);
    expect(availableActions('regional_manager', complaint('awaiting_follow_up'))).toEqual([]);
    for (const role of ['coordinator', 'dealer', 'call_center', 'regional_manager', 'hq'] as const) expect(availableActions(role, complaint('closed'))).toEqual([]);
  });
});
