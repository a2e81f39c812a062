import request from 'supertest';
import { signToken } from '@complaints/runtime';
import { useIntakeApp } from './harness';

// The console shows each queue's count at a glance: one grouped read for all of them, within what
// the caller may see, rather than one count of the whole collection per queue.
describe('queue counts', () => {
  const intake = useIntakeApp('counts');
  const app = () => intake.app();
  const bearer = async (claims: Record<string, string>) => `Bearer ${await signToken(intake.config.AUTH_SECRET, { sub: 'counts', ...claims } as never)}`;

  beforeAll(async () => {
    const base = { kind: 'complaint', category: 'service_process', channel: 'hotline', receivedAt: new Date('2030-06-03T10:00:00+08:00') };
    await intake.models().Complaint.insertMany([
      { ...base, _id: 'C20300603-0001', workflowId: 'w1', severity: 'minor', status: 'awaiting_dispatch', overdue: false, escalated: false },
      { ...base, _id: 'C20300603-0002', workflowId: 'w2', severity: 'major', status: 'awaiting_reply', overdue: true, escalated: false, dealerCode: 'SH001', region: 'east' },
      { ...base, _id: 'C20300603-0003', workflowId: 'w3', severity: 'minor', status: 'awaiting_reply', overdue: true, escalated: true, dealerCode: 'SH002', region: 'east' },
      { ...base, _id: 'C20300603-0004', workflowId: 'w4', severity: 'minor', status: 'closed', overdue: false, escalated: false, dealerCode: 'SH001', region: 'east' },
      { ...base, _id: 'C20300603-0005', workflowId: 'w5', severity: 'minor', status: 'awaiting_dispatch', overdue: false, escalated: false, kind: 'repair_request' },
    ]);
  });

  it('groups the complaints a coordinator sees by status, lateness, severity, escalation and kind, with whether each is open', async () => {
    const res = await request(app()).get('/api/complaints/counts').set('authorization', await bearer({ role: 'coordinator' })).expect(200);
    const groups = res.body.groups as { status: string; open: boolean; overdue: boolean; severity: string; escalated: boolean; kind: string; count: number }[];
    const total = (pick: (g: (typeof groups)[number]) => boolean) => groups.filter(pick).reduce((sum, g) => sum + g.count, 0);
    expect(total(() => true)).toBe(5);
    expect(total((g) => g.status === 'awaiting_dispatch')).toBe(2);
    expect(total((g) => g.status === 'awaiting_dispatch' && g.kind === 'repair_request')).toBe(1);
    expect(total((g) => g.open && g.overdue)).toBe(2);
    expect(total((g) => g.open && g.severity === 'major')).toBe(1);
    expect(total((g) => g.open && g.escalated)).toBe(1);
    expect(total((g) => !g.open)).toBe(1);
  });

  it('counts only a dealer’s own work orders, and nothing for anyone not signed in', async () => {
    const res = await request(app()).get('/api/complaints/counts').set('authorization', await bearer({ role: 'dealer', dealerCode: 'SH001' })).expect(200);
    expect((res.body.groups as { count: number }[]).reduce((sum, g) => sum + g.count, 0)).toBe(2);
    await request(app()).get('/api/complaints/counts').expect(401);
  });
});
