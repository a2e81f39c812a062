import { writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { complaintFacts, complaintInputSchema } from '@complaints/shared';
import { shippedPolicies, signToken } from '@complaints/runtime';
import { savePolicy } from '@complaints/activities';
import { getStateQuery } from '@complaints/workflows';
import { startComplaintWorkflow } from '../src/complaints';
import { eventually, validComplaint } from '../../../test/support';
import { useIntakeApp } from './harness';

// A complaint that lives long enough to continue as new keeps its state and its clocks, on the
// real dev server: actions go by workflow id over HTTP (so they reach the current run), and a clock
// armed before continue-as-new fires in the new run. (It ran on the time-skipping test server
// before; there, an update sent at the moment of continue-as-new now and then never completed.)
describe('a long-lived complaint, continued as new', () => {
  const intake = useIntakeApp('can');
  const { config } = intake;
  const CONTACT_SECONDS = 20;

  beforeAll(async () => {
    // A contact clock of seconds, in force from now on in this file's database.
    const base = shippedPolicies().at(-1)!;
    await savePolicy(intake.models(), { ...base, version: 'can-test', effectiveFrom: new Date(Date.now() - 60_000).toISOString(), contact: { hours: CONTACT_SECONDS / 3600 } });
  });

  it('keeps its history, answers actions in the new run, and its clocks still fire', async () => {
    const number = 'C20300901-0001';
    const complaint = complaintInputSchema.parse({ ...validComplaint(), category: 'service_process', channel: 'email' });
    const facts = complaintFacts(complaint, new Date('2030-09-01T10:00:00+08:00'), { code: 'SH001', region: 'east' });
    const started = await startComplaintWorkflow(intake.temporal(), config, { number, facts }, { historyLimit: 60 });
    const handle = intake.temporal().workflow.getHandle(`complaint-${number}`);
    await eventually(() => handle.query(getStateQuery), (s) => s.idle === true && s.status === 'awaiting_acknowledgement');

    const dealer = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'sh', role: 'dealer', dealerCode: 'SH001' })}`;
    const act = (action: string, body: object = {}) => request(intake.app()).post(`/api/complaints/${number}/${action}`).set('authorization', dealer).send(body).expect(200);
    await act('acknowledge');
    for (let i = 0; i < 6; i++) await act('reply', { text: `进展 ${i}`, final: false });
    const before = await eventually(() => handle.query(getStateQuery), (s) => s.idle === true && s.events.length >= 9);
    expect((await handle.describe()).runId).not.toBe(started.firstExecutionRunId); // continued as new

    // No contact was recorded: the contact clock, armed in the first run, fires in the current one.
    const after = await eventually(() => handle.query(getStateQuery), (s) => s.events.some((e) => e.type === 'contact_overdue'), (CONTACT_SECONDS + 20) * 1000);
    expect(after.events.slice(0, before.events.length)).toEqual(before.events);
    expect(after.kpi).toMatchObject({ contactedOnTime: false, repliedOnTime: true });
    const doc = await eventually(() => intake.models().Complaint.findById(number).lean(), (d) => (d?.history ?? []).some((e) => e.type === 'contact_overdue'));
    expect(doc!.history.map((e) => e.sequence)).toEqual(after.events.map((e) => e.sequence)); // the read model saw every event once
    // The current run's history, for workflows/test/replay.test.ts (RECORD_HISTORIES=1 npm test).
    if (process.env.RECORD_HISTORIES === '1') {
      await eventually(() => handle.query(getStateQuery), (s) => s.idle === true);
      writeFileSync(path.resolve(__dirname, '../../../workflows/test/histories/continued-as-new.json'), historyToJSON(await handle.fetchHistory()));
    }
  }, 90_000);
});
