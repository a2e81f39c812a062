import { saveCalendar } from '@complaints/activities';
import type { CalendarYear } from '@complaints/shared';
import { startCalendarCorrections } from '@complaints/intake/src/calendars';
import { ClosureDeadlineKey } from '../src';
import { HOUR, useWorkflowHarness } from './harness';

// SPEC §4: a year without a calendar counts weekends only, so a complaint received in late December
// gets a closure deadline on New Year's Day. When the year's calendar is loaded, the open
// complaints' deadlines in that year are computed again with it (the data was missing; the rule
// did not change), never earlier than the deadline already announced to the dealer.

const ms = (iso: string) => new Date(iso).getTime();

const CALENDAR_2027: CalendarYear = {
  year: 2027,
  version: '2027.1',
  source: 'test fixture: New Year Jan 1–3',
  holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }],
  makeUpWorkdays: [],
};

// An official correction notice: only Jan 1 off, and Sunday Jan 3 a make-up working day. On its own
// it would put the deadline on Jan 3, earlier than the Jan 4 already announced.
const CORRECTED_2027: CalendarYear = {
  year: 2027,
  version: '2027.2',
  source: 'test fixture: correction notice',
  holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-01' }],
  makeUpWorkdays: [{ name: '元旦调休', date: '2027-01-03' }],
};

describe('a calendar loaded late (SPEC §4, time-skipping test server, real activities)', () => {
  const h = useWorkflowHarness('latecal');
  const { receive, state, advance, settled, notifications, keepHistory } = h;
  let number: string;
  let handle: Awaited<ReturnType<typeof receive>>['handle'];

  /** Loads a calendar as the console and the CLI do, and starts the correction as intake does. */
  async function load(calendar: CalendarYear) {
    await saveCalendar(h.models(), calendar, { by: 'coordinator:c1', at: new Date(await h.env().currentTimeMs()) });
    await startCalendarCorrections({ client: h.env().client, models: h.models(), config: h.config });
  }

  it('gives a complaint received on December 29 a deadline on New Year’s Day while 2027 has no calendar, and says so', async () => {
    await h.env().sleep(ms('2026-12-29T10:00:00+08:00') - (await h.env().currentTimeMs()));
    ({ number, handle } = await receive({ category: 'service_process' }));
    const s = await state(handle);
    expect(s.deadlines).toMatchObject({ closureDeadline: '2027-01-01T16:30:00+08:00', missingCalendarYears: [2027] });
    expect(s.dealerCode).toBe('SH001');
  });

  it('moves the closure deadline to the first working day after once 2027 is loaded: history, email, search attribute and read model follow', async () => {
    await load(CALENDAR_2027);
    const s = await h.eventuallyState(handle, (x) => x.deadlines?.closureDeadline !== '2027-01-01T16:30:00+08:00');
    expect(s.deadlines).toMatchObject({ closureDeadline: '2027-01-04T16:30:00+08:00', missingCalendarYears: [], calendarVersions: { '2027': '2027.1' } });
    const event = s.events.find((e) => e.type === 'deadlines_recomputed');
    expect(event).toMatchObject({ by: 'system:calendar', data: { year: 2027, version: '2027.1', moved: [{ deadline: 'closureDeadline', from: '2027-01-01T16:30:00+08:00', to: '2027-01-04T16:30:00+08:00' }] } });
    await settled(handle);
    // The dealer is told of the moved deadline, once.
    const told = notifications(number, 'deadline_moved');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ recipients: [{ dealerCode: 'SH001' }], data: { closureDeadline: '2027-01-04T16:30:00+08:00', previousClosureDeadline: '2027-01-01T16:30:00+08:00' } });
    expect((await h.mails(number)).filter((m) => m.subject.includes('2027/01/04 16:30'))).toHaveLength(1);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(ClosureDeadlineKey)?.toISOString()).toBe('2027-01-04T08:30:00.000Z');
    const doc = await h.models().Complaint.findById(number).lean();
    expect(doc?.closureDeadline?.toISOString()).toBe('2027-01-04T08:30:00.000Z');
    expect(doc?.deadlines).toMatchObject({ closureDeadline: '2027-01-04T16:30:00+08:00', missingCalendarYears: [] });
    expect(doc?.history?.map((e) => e.type)).toContain('deadlines_recomputed');
  });

  it('keeps the announced deadline when a corrected calendar would make it earlier, and says why', async () => {
    const before = (await state(handle)).events.length;
    await load(CORRECTED_2027);
    const s = await h.eventuallyState(handle, (x) => x.events.length > before);
    expect(s.deadlines?.closureDeadline).toBe('2027-01-04T16:30:00+08:00');
    expect(s.deadlines?.calendarVersions).toEqual({ '2026': '2026.1', '2027': '2027.2' }); // the dispatch clock counts the day of receipt, in 2026
    expect(s.events.at(-1)).toMatchObject({ type: 'deadlines_recomputed', data: { version: '2027.2', moved: [], kept: [{ deadline: 'closureDeadline', announced: '2027-01-04T16:30:00+08:00', computed: '2027-01-03T16:30:00+08:00' }] } });
    await settled(handle);
    expect(notifications(number, 'deadline_moved')).toHaveLength(1);
  });

  it('does nothing more when the same version is loaded again', async () => {
    const before = (await state(handle)).events.length;
    await load(CORRECTED_2027);
    await settled(handle);
    expect((await state(handle)).events).toHaveLength(before);
  });

  it('does not run the closure clock out on New Year’s Day: "closed within deadline" still holds', async () => {
    await advance(handle, ms('2027-01-01T18:00:00+08:00') - (await h.env().currentTimeMs()));
    const s = await state(handle);
    expect(s.firedClocks).not.toContain('closure-overdue');
    expect(s.kpi.closedWithinDeadline).toBeNull();
    expect(notifications(number, 'closure_overdue')).toHaveLength(0);
    await advance(handle, ms('2027-01-04T16:30:00+08:00') - (await h.env().currentTimeMs()) + HOUR);
    expect((await state(handle)).kpi.closedWithinDeadline).toBe(false);
    await keepHistory(handle, 'late-calendar');
  });
});
