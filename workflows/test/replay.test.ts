import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { ENCRYPTED_ENCODING, payloadDataConverter } from '@complaints/runtime';
import { workflowsPath } from '../src';
import { TEST_PAYLOAD_KEYS } from '../../test/support';

// Recorded histories of real runs (RECORD_HISTORIES=1 npm test writes them). A change to the
// workflow code that would break a running complaint fails here: guard it with patched().
// activities-*.json ran before the projections became local activities: patched('local-projections').
// one-queue-*.json ran before emails got a lane of their own beside the read model's projections:
// patched('notification-lane'). smtp-outage.json has the read model written while an email is retried.
// repair-feedback-in-deadlines.json asked for every deadline again to get a repair request's feedback
// date, before it was an activity of its own: patched('repair-feedback-activity').
// Every history recorded before patched('dispatch-deadlines') runs its dispatches without the
// same-day confirmation clock, and a repair request on the 24 h reply clock too; before
// patched('returned-reply-clock') a return to the dealer started no clock; before
// patched('major-dispatch-notice') and patched('customer-notices') nobody else was told.
// acknowledgement-overdue, returned-reply-overdue, repair-request-feedback-clock,
// major-dispatched-after-upgrade, customer-notices and evidence ran with them (duties.test.ts).
// The others, one per path of the loop (a return to the dealer, a reassignment, the major clocks, a
// repair request, an inquiry, each clock running out), keep every action and clock in its order.
// encrypted-emails-beside-projections.json ran with patched('punctual-clocks') and
// patched('emails-beside-projections'): a clock that runs out asks for its emails beside its write.
// encrypted-lost-send-attempt.json ran with the send's heartbeat timeout: its first attempt was lost
// and the second sent the email.
// encrypted-*.json were recorded with payloads encrypted (the tests' keys, test/support.ts); the
// others before, with clear payloads, which the codec reads as they are: both replay through it.
const dir = path.join(__dirname, 'histories');
const histories = readdirSync(dir).filter((f) => f.endsWith('.json'));
const encrypted = histories.filter((f) => f.startsWith('encrypted-'));
const dataConverter = payloadDataConverter(TEST_PAYLOAD_KEYS);

/**
 * Every payload of a history that the workflow or its callers wrote (inputs, results, update
 * arguments, summaries…), wherever it sits in an event; not the search attributes (clear by design)
 * nor the SDK's own bookkeeping in its markers (a patch's id, a local activity's sequence number).
 */
function payloadsOf(value: unknown, found: { metadata?: Record<string, string>; data?: string }[] = []) {
  if (Array.isArray(value)) value.forEach((item) => payloadsOf(item, found));
  else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (object.metadata && typeof object.metadata === 'object' && 'encoding' in object.metadata) found.push(object as never);
    else if (object.markerRecordedEventAttributes) payloadsOf((object.markerRecordedEventAttributes as { details?: { result?: unknown } }).details?.result, found);
    else for (const [key, item] of Object.entries(object)) if (key !== 'searchAttributes') payloadsOf(item, found);
  }
  return found;
}

describe('workflow determinism', () => {
  it('has recorded histories to replay, some of them with encrypted payloads', () => {
    expect(histories.length).toBeGreaterThanOrEqual(3);
    expect(encrypted.length).toBeGreaterThanOrEqual(1);
  });

  it.each(encrypted)('%s holds no payload in clear', (file) => {
    const payloads = payloadsOf(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    expect(payloads.length).toBeGreaterThan(10);
    const encodings = new Set(payloads.map((p) => Buffer.from(p.metadata!.encoding!, 'base64').toString()));
    expect([...encodings]).toEqual([ENCRYPTED_ENCODING]);
  });

  it.each(histories)('replays %s with the current workflow code', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    await expect(Worker.runReplayHistory({ workflowsPath, dataConverter }, history, file)).resolves.toBeUndefined();
  });
});
