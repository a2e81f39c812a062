import { shippedPolicies } from '@complaints/runtime/src/rules';
import { policySchema } from '../src';

// SPEC §4: a policy an operator loads is refused as a whole when one of its clocks could not work,
// naming the field: a reminder that is not shorter than its clock would come before the clock starts.

const base = shippedPolicies()[0]!;
const problems = (change: (p: typeof base) => unknown) => {
  const result = policySchema.safeParse(change(structuredClone(base)));
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('a policy', () => {
  it('is accepted as shipped', () => {
    expect(problems((p) => p)).toEqual([]);
  });

  it.each([
    ['a reply reminder as long as the reply clock', (p: typeof base) => ({ ...p, reply: { hours: 24, reminderBeforeHours: 24 } }), 'reply.reminderBeforeHours: must be less than reply.hours'],
    [
      'a closure reminder not shorter than the shortest closure deadline',
      (p: typeof base) => ({ ...p, closure: { ...p.closure, reminderBeforeHours: 72 } }),
      'closure.reminderBeforeHours: must be less than the shortest closure deadline (3 days = 72 hours)',
    ],
    [
      'an acknowledgement reminder of a day or more',
      (p: typeof base) => ({ ...p, acknowledgement: { ...p.acknowledgement, reminderBeforeHours: 24 } }),
      'acknowledgement.reminderBeforeHours: must be less than 24 hours (the work order is confirmed the day it arrives)',
    ],
    [
      'automatic routing of the public web form (SPEC §3.2: it always waits for the coordinator)',
      (p: typeof base) => ({ ...p, routing: { autoDispatchChannels: ['hotline', 'web_form'] } }),
      'routing.autoDispatchChannels: must not include web_form: the public form always waits for the coordinator',
    ],
    ['a freeze day past the 28th (not in every month)', (p: typeof base) => ({ ...p, scoring: { freezeDay: 31 } }), 'scoring.freezeDay: Too big: expected number to be <=28'],
  ])('is refused for %s, naming the field', (_what, change, message) => {
    expect(problems(change)).toContain(message);
  });
});
