import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair, UpdateDefinition } from '@temporalio/common';
import type { DeadlineActivities, PersistenceActivities } from '@complaints/activities';
import { notifier } from './schedules';
import type { ActionName, ActionRequest, ComplaintEvent, ComplaintStatus, ComplaintWorkflowInput, RecipientRef, TemplateName } from '@complaints/shared';
// Values from their own light modules, not the package's index (see shared/src/clocks.ts).
import { LABELS } from '@complaints/shared/src/labels';
import { majorClocks } from '@complaints/shared/src/clocks';
import { actionUpdates, getStateQuery, type ComplaintState, type KpiFacts } from './definitions';
import { ClosureDeadlineKey, ComplaintStatusKey, DealerCodeKey, EscalatedKey, OverdueKey, RegionKey, SeverityKey } from './searchAttributes';

type ProjectionActivities = PersistenceActivities & DeadlineActivities;
const projectionOptions = { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } } as const;
const remoteProjections = proxyActivities<ProjectionActivities>(projectionOptions);
const localProjections = proxyLocalActivities<ProjectionActivities>(projectionOptions);

export interface ComplaintWorkflowOptions {
  /** The notifier's task queue. */
  notifications: string;
  /** Continue-as-new past this many history events (a complaint can live 3+ months with many replies). */
  historyLimit?: number;
}

const HISTORY_EVENTS_LIMIT = 2_000;

const OPEN: readonly ComplaintStatus[] = ['awaiting_dispatch', 'awaiting_acknowledgement', 'awaiting_reply', 'in_progress', 'awaiting_closure_request', 'awaiting_follow_up'];
const WITH_DEALER: readonly ComplaintStatus[] = ['awaiting_acknowledgement', 'awaiting_reply', 'in_progress', 'awaiting_closure_request', 'awaiting_follow_up'];
const REPLYABLE: readonly ComplaintStatus[] = ['awaiting_reply', 'in_progress', 'awaiting_closure_request'];

const refuse = (message: string) => ApplicationFailure.create({ type: 'ActionRefused', message, nonRetryable: true });
const incomplete = (message: string) => ApplicationFailure.create({ type: 'IncompleteAction', message, nonRetryable: true });
const notYours = () => ApplicationFailure.create({ type: 'NotYourWorkOrder', message: 'this work order belongs to another dealer', nonRetryable: true });

const nowIso = () => new Date(Date.now()).toISOString();
const ms = (iso: string) => new Date(iso).getTime();
const plusHours = (iso: string, hours: number) => new Date(ms(iso) + hours * 3_600_000).toISOString();

function newKpi(): KpiFacts {
  return { repliedOnTime: null, contactedOnTime: null, closedWithinDeadline: null, firstTimeClosure: null, followUps: 0, falseReplies: 0, unsatisfied: 0, unreachable: false, forcedClosure: false };
}

interface Clock {
  id: string;
  at: string;
  fire(): void;
}

/**
 * One complaint, from receipt to archive (SPEC §3), with every clock of SPEC §4. Actions arrive as
 * updates whose validators refuse what the state does not allow; handlers change the state at once
 * and queue their side effects: the history and read model, which the main loop projects in order,
 * and the emails, which a lane of their own sends meanwhile.
 */
export async function complaintWorkflow(input: ComplaintWorkflowInput, options: ComplaintWorkflowOptions, resume?: ComplaintState): Promise<ComplaintState> {
  const { sendNotification } = notifier(options.notifications);
  // Complaints begun before this patch replay as they ran. Since it, a complaint's workflow
  // tasks are fewer (7 instead of 14 from receipt to its reply overdue, measured by the scale bench):
  // - the read model's projections and the deadline rules, quick MongoDB calls on this worker,
  //   run as local activities, inside the workflow task that asks for them;
  // - the search attributes are upserted only when they changed.
  const lean = patched('local-projections');
  const { recordComplaint, recordEvent, recordDeadlines, computeDeadlines, getPolicy } = lean ? localProjections : remoteProjections;
  // Complaints begun before this patch replay as they ran: one queue, so an email retried through
  // an SMTP outage held back every later history and status write, and a scorecard frozen in that
  // window read stale facts. Since it, emails wait in a lane of their own (see `notify`).
  const notificationLane = patched('notification-lane');

  const { number, facts } = input;
  const state: ComplaintState = resume ?? {
    number,
    facts,
    status: 'awaiting_dispatch',
    severity: facts.severity,
    events: [],
    closureRequests: 0,
    followUpAttempts: 0,
    overdue: false,
    escalated: false,
    kpi: newKpi(),
    firedClocks: [],
  };
  const isComplaintLoop = facts.kind === 'complaint' || facts.kind === 'repair_request';
  // The read model's projections, run one after another in the order the facts happened.
  const projections: (() => Promise<void>)[] = [];
  // Emails, one after another in their own order; before 'notification-lane', the same queue.
  const notifications: (() => Promise<void>)[] = notificationLane ? [] : projections;

  // --- side effects, queued -------------------------------------------------------------------

  function readModel() {
    const { status, severity, dealerCode, region, attributedDealerCode, overdue, escalated, kpi, closedAt, closeReason, dispatch, major } = state;
    return { status, severity, dealerCode, region, attributedDealerCode, overdue, escalated, kpi, closedAt, closeReason, replyDue: dispatch?.replyDue, major };
  }

  /** Records an event (who, when, what) and projects the state into the read model with it. */
  function record(type: string, by: string, summary: string, data?: Record<string, unknown>): void {
    const sequence = state.events.length + 1;
    const event: ComplaintEvent = { id: `${number}:${sequence}`, sequence, type, at: nowIso(), by, summary, status: state.status, ...(data && { data }) };
    state.events.push(event);
    const snapshot = readModel();
    projections.push(() => recordEvent(number, event, snapshot));
    publish(); // at once, even while an earlier effect waits (an email the SMTP server refuses)
  }

  function templateData(extra: Record<string, string | undefined> = {}): Record<string, string> {
    const d = state.deadlines;
    const values: Record<string, string | undefined> = {
      number,
      kind: facts.kind,
      category: facts.category,
      severity: state.severity,
      channel: facts.channel,
      dealerCode: state.dealerCode ?? '',
      region: state.region ?? '',
      receivedAt: facts.receivedAt,
      closureDeadline: d?.closureDeadline ?? '',
      replyDue: state.dispatch?.replyDue ?? d?.replyDue ?? '',
      ...extra,
    };
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v ?? '']));
  }

  /**
   * Asks the notifier for an email. The key names the business fact ("reply overdue for dispatch 2"),
   * so a retried activity or a replayed workflow never sends it twice. An email that the SMTP server
   * keeps refusing is retried for hours; it waits in its own lane so that the history and the status
   * in the read model (what the dashboard shows and the monthly scorecard freezes) never wait for it.
   */
  function notify(key: string, template: TemplateName, recipients: RecipientRef[], extra: Record<string, string | undefined> = {}): void {
    const data = templateData(extra);
    notifications.push(async () => {
      try {
        await sendNotification({ key: `${number}:${key}`, template, recipients, data });
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        // Undeliverable: reported, and the complaint goes on (the coordinator sees it in the history,
        // written by the projections like every other event).
        log.warn('notification undeliverable', { key, template });
        record('notification_undeliverable', 'system', `邮件无法投递: ${template}`, { key, template });
      }
    });
  }

  let projecting = true; // until receipt is recorded
  async function runProjections(): Promise<void> {
    projecting = true;
    while (projections.length) await projections.shift()!();
    projecting = false;
  }

  let sending = false;
  /** The notification lane: runs beside the main loop for the workflow's whole life. */
  async function sendNotifications(): Promise<never> {
    for (;;) {
      await condition(() => notifications.length > 0);
      sending = true;
      while (notifications.length) await notifications.shift()!();
      sending = false;
    }
  }

  const idle = () => !projecting && projections.length === 0 && !sending && notifications.length === 0;

  /** Until both lanes are empty: an undeliverable email still has its event to record. */
  async function drain(): Promise<void> {
    await runProjections();
    while (!idle()) {
      await condition(() => projections.length > 0 || (!sending && notifications.length === 0));
      await runProjections();
    }
  }

  // --- what the Temporal UI shows --------------------------------------------------------------

  let published = '';
  function publish(): void {
    const attributes: SearchAttributeUpdatePair[] = [
      { key: ComplaintStatusKey, value: state.status },
      { key: SeverityKey, value: state.severity },
      { key: OverdueKey, value: state.overdue },
      { key: EscalatedKey, value: state.escalated },
      ...(state.dealerCode ? [{ key: DealerCodeKey, value: state.dealerCode }] : []),
      ...(state.region ? [{ key: RegionKey, value: state.region }] : []),
      ...(state.deadlines?.closureDeadline ? [{ key: ClosureDeadlineKey, value: new Date(state.deadlines.closureDeadline) }] : []),
    ];
    const values = JSON.stringify(attributes.map(({ key, value }) => [key.name, value]));
    if (!lean || values !== published) upsertSearchAttributes(attributes);
    published = values;
    const waiting: Record<ComplaintStatus, string> = {
      awaiting_dispatch: '等待派工 — the coordinator dispatches a work order',
      awaiting_acknowledgement: `等待服务商 ${state.dealerCode} 确认 — the dealer confirms the work order today; reply due ${state.dispatch?.replyDue ?? ''}`,
      awaiting_reply: `等待服务商 ${state.dealerCode ?? '客服'} 回复 — reply due ${state.dispatch?.replyDue ?? state.deadlines?.replyDue ?? ''}`,
      in_progress: `处理中 — the dealer sends progress replies until a final one; closure deadline ${state.deadlines?.closureDeadline ?? ''}`,
      awaiting_closure_request: '待申请关闭 — the coordinator reviews the final reply and requests closure',
      awaiting_follow_up: `待回访 — the call center calls the customer by ${state.closureRequestedAt ? plusHours(state.closureRequestedAt, state.policy?.followUp.hours ?? 24) : ''}`,
      closed: '已闭环 — closed after a satisfied follow-up',
      closed_unreachable: '联系不上关闭 — closed, customer unreachable',
      force_closed: `强制闭环 — ${state.closeReason ?? ''}`,
    };
    const flags = [state.overdue && '**超时 overdue**', state.severity === 'major' && '**重大 major**', state.escalated && '**已立项 escalated**'].filter(Boolean).join(' ');
    setCurrentDetails(`**${LABELS.zh.status[state.status]}** (${state.status}) ${flags}\n\n${waiting[state.status]}`);
  }

  // --- the loop's steps --------------------------------------------------------------------------

  function requireStatus(allowed: readonly ComplaintStatus[], action: string): void {
    if (!allowed.includes(state.status)) throw refuse(`${action} is not possible while the complaint is ${state.status}`);
  }

  function requireOwner(request: ActionRequest<ActionName>): void {
    if (request.actor.role === 'dealer' && request.actor.dealerCode !== state.dealerCode) throw notYours();
  }

  function dispatchTo(dealerCode: string, region: string | undefined, by: string, suggestion?: string): void {
    const at = nowIso();
    const policy = state.policy!;
    const generation = (state.dispatch?.generation ?? 0) + 1;
    const replyDue = plusHours(at, policy.reply.hours);
    state.dealerCode = dealerCode;
    state.region = region;
    state.attributedDealerCode ??= dealerCode;
    state.acknowledgedAt = undefined;
    state.status = 'awaiting_acknowledgement';
    state.dispatch = {
      generation,
      at,
      replyDue,
      replyReminderAt: plusHours(replyDue, -policy.reply.reminderBeforeHours),
      contactDue: plusHours(at, facts.channel === 'internet' ? policy.internetContact.hours : policy.contact.hours),
    };
    record('dispatched', by, `派工至服务商 ${dealerCode}`, { dealerCode, region, ...(suggestion && { suggestion }) });
    if (facts.kind === 'repair_request') {
      // SPEC §4: repair request feedback within N working days of dispatch: the calendar decides.
      projections.push(async () => {
        const d = await computeDeadlines({ receivedAt: facts.receivedAt, dispatchedAt: at, kind: facts.kind, category: facts.category, channel: facts.channel });
        if (state.dispatch?.generation === generation) state.dispatch.repairFeedbackDue = d.repairFeedbackDue;
      });
    }
    notify(`work-order:${generation}`, 'work_order', [{ dealerCode }], { replyDue, suggestion: suggestion ?? '' });
  }

  function upgradeToMajor(reason: string, by: string): void {
    const clocks = majorClocks(nowIso(), state.policy!);
    state.severity = 'major';
    state.major = { since: nowIso(), reason, ...clocks };
    record('upgraded_to_major', by, `升级为重大抱怨: ${reason}`, { reason });
    // SPEC §4: the coordinator and the regional manager are told at once.
    notify('major', 'major_complaint', [{ role: 'coordinator' }, ...(state.region ? [{ region: state.region }] : [])], { reason, ...clocks });
  }

  function close(status: ComplaintStatus, by: string, summary: string, data?: Record<string, unknown>): void {
    state.status = status;
    state.closedAt = nowIso();
    record(status, by, summary, data);
  }

  // --- clocks (SPEC §4) ---------------------------------------------------------------------------

  /** The clocks that still guard something now; a clock whose condition has passed is not armed. */
  function armedClocks(): Clock[] {
    if (!OPEN.includes(state.status)) return [];
    const clocks: Clock[] = [];
    const d = state.deadlines;
    const dispatch = state.dispatch;
    const regionRefs: RecipientRef[] = state.region ? [{ region: state.region }] : [];

    if (!isComplaintLoop && d && !state.firstReplyAt) {
      clocks.push({
        id: 'answer-overdue',
        at: d.replyDue,
        fire: () => {
          state.overdue = true;
          record('reply_overdue', 'system', '咨询/建议答复超时');
          notify('answer-overdue', 'reply_overdue', [{ role: 'call_center' }], { replyDue: d.replyDue });
        },
      });
    }
    if (dispatch && !dispatch.repliedAt) {
      const g = dispatch.generation;
      clocks.push({ id: `reply-reminder:${g}`, at: dispatch.replyReminderAt, fire: () => notify(`reply-reminder:${g}`, 'reply_due_soon', [{ dealerCode: state.dealerCode! }]) });
      clocks.push({
        id: `reply-overdue:${g}`,
        at: dispatch.replyDue,
        fire: () => {
          state.overdue = true;
          state.kpi.repliedOnTime = false;
          record('reply_overdue', 'system', `服务商 ${state.dealerCode} 未在时限内回复`);
          notify(`reply-overdue:${g}`, 'reply_overdue', [{ dealerCode: state.dealerCode! }, ...regionRefs]);
        },
      });
      if (dispatch.repairFeedbackDue) {
        clocks.push({
          id: `repair-feedback-overdue:${g}`,
          at: dispatch.repairFeedbackDue,
          fire: () => {
            state.overdue = true;
            record('repair_feedback_overdue', 'system', '报修反馈超时');
            notify(`repair-feedback-overdue:${g}`, 'repair_feedback_overdue', [{ dealerCode: state.dealerCode! }], { repairFeedbackDue: dispatch.repairFeedbackDue });
          },
        });
      }
    }
    if (dispatch && !dispatch.contactedAt) {
      const g = dispatch.generation;
      clocks.push({
        id: `contact-overdue:${g}`,
        at: dispatch.contactDue,
        fire: () => {
          state.kpi.contactedOnTime ??= false;
          record('contact_overdue', 'system', '24小时内未联系客户');
          // SPEC §4: an internet complaint's contact clock counts as the dealer reply does.
          if (facts.channel === 'internet') {
            state.overdue = true;
            notify(`contact-overdue:${g}`, 'contact_overdue', [{ dealerCode: state.dealerCode! }, ...regionRefs], { contactDue: dispatch.contactDue });
          }
        },
      });
    }
    if (state.status === 'awaiting_follow_up' && state.closureRequestedAt) {
      const n = state.closureRequests;
      const followUpDue = plusHours(state.closureRequestedAt, state.policy!.followUp.hours);
      clocks.push({ id: `follow-up-reminder:${n}`, at: followUpDue, fire: () => notify(`follow-up-reminder:${n}`, 'follow_up_reminder', [{ role: 'call_center' }], { followUpDue }) });
    }
    if (isComplaintLoop && d?.closureDeadline && d.closureReminderAt) {
      clocks.push({
        id: 'closure-reminder',
        at: d.closureReminderAt,
        fire: () => {
          if (state.dealerCode) notify('closure-reminder', 'closure_deadline_near', [{ dealerCode: state.dealerCode }]);
        },
      });
      clocks.push({
        id: 'closure-overdue',
        at: d.closureDeadline,
        fire: () => {
          state.overdue = true;
          state.kpi.closedWithinDeadline = false;
          record('closure_overdue', 'system', '超过闭环时限');
          notify('closure-overdue', 'closure_overdue', [...(state.dealerCode ? [{ dealerCode: state.dealerCode }] : []), ...regionRefs, { role: 'coordinator' }]);
        },
      });
    }
    if (isComplaintLoop && d?.upgradeToMajorAt && state.severity === 'minor') {
      clocks.push({ id: 'auto-upgrade', at: d.upgradeToMajorAt, fire: () => upgradeToMajor('10天未解决，自动升级 (unresolved for 10 days)', 'system') });
    }
    const major = state.major;
    if (major && !major.acknowledgedAt) {
      clocks.push({
        id: `major-first-report:${major.since}`,
        at: major.firstReportDue,
        fire: () => {
          record('major_clock_missed', 'system', '重大抱怨首次报告未确认', { clock: 'first_report' });
          notify('major-missed:first_report', 'major_clock_missed', [{ role: 'coordinator' }], { clock: 'first_report', due: major.firstReportDue });
        },
      });
    }
    if (major && !major.solutionAt) {
      clocks.push({
        id: `major-solution:${major.since}`,
        at: major.solutionDue,
        fire: () => {
          record('major_clock_missed', 'system', '重大抱怨12小时内未商定解决方案', { clock: 'solution' });
          notify('major-missed:solution', 'major_clock_missed', [{ role: 'coordinator_head' }], { clock: 'solution', due: major.solutionDue });
        },
      });
    }
    if (major && !major.writtenReportAt) {
      clocks.push({
        id: `major-written-report:${major.since}`,
        at: major.writtenReportDue,
        fire: () => {
          record('major_clock_missed', 'system', '重大抱怨书面报告未提交', { clock: 'written_report' });
          notify('major-report', 'major_report_reminder', [...(state.dealerCode ? [{ dealerCode: state.dealerCode }] : []), ...regionRefs], { writtenReportDue: major.writtenReportDue });
        },
      });
    }
    if (isComplaintLoop && d?.escalationAt && !state.escalated) {
      clocks.push({
        id: 'escalation',
        at: d.escalationAt,
        fire: () => {
          state.escalated = true;
          record('escalated', 'system', '三个月未闭环，提交公司立项处理');
          notify('escalation', 'escalation', [{ role: 'hq' }]);
        },
      });
    }
    return clocks.filter((c) => !state.firedClocks.includes(c.id));
  }

  // --- actions (SPEC §8), as updates with validators ------------------------------------------------

  function handle<A extends ActionName>(name: A, validate: (request: ActionRequest<A>) => void, apply: (request: ActionRequest<A>) => void): void {
    const definition = actionUpdates[name] as unknown as UpdateDefinition<ComplaintState, [ActionRequest<A>]>;
    setHandler(
      definition,
      (request) => {
        apply(request);
        return state;
      },
      {
        validator: (request) => {
          // An action that arrives before receipt is recorded (the workflow's first moments, while it
          // fetches its policy and deadlines) is refused, not applied half-ready: 409, try again.
          if (state.events.length === 0) throw refuse('the complaint is still being received: try again in a moment');
          validate(request);
        },
      },
    );
  }

  const by = (request: ActionRequest<ActionName>) => `${request.actor.role}:${request.actor.sub}`;

  handle(
    'dispatch',
    () => {
      if (!isComplaintLoop) throw refuse(`${facts.kind} is answered by the call center without a dealer`);
      requireStatus(['awaiting_dispatch'], 'dispatch');
    },
    (r) => dispatchTo(r.input.dealerCode, r.region, by(r), r.input.suggestion),
  );

  handle(
    'acknowledge',
    (r) => {
      requireOwner(r);
      requireStatus(['awaiting_acknowledgement'], 'acknowledge');
    },
    (r) => {
      state.acknowledgedAt = nowIso();
      state.status = 'awaiting_reply';
      record('acknowledged', by(r), `服务商 ${state.dealerCode} 确认派工单`);
    },
  );

  handle(
    'contact',
    (r) => {
      requireOwner(r);
      requireStatus(REPLYABLE, 'contact');
    },
    (r) => {
      const at = nowIso();
      state.contactedAt ??= at;
      if (state.dispatch && !state.dispatch.contactedAt) {
        state.dispatch.contactedAt = at;
        state.kpi.contactedOnTime ??= ms(at) <= ms(state.dispatch.contactDue);
      }
      record('customer_contacted', by(r), '服务商联系客户', r.input.note ? { note: r.input.note } : undefined);
    },
  );

  handle(
    'reply',
    (r) => {
      if (isComplaintLoop) {
        if (r.actor.role !== 'dealer') throw refuse('a complaint is replied to by its dealer');
        requireOwner(r);
        requireStatus(REPLYABLE, 'reply');
        // SPEC §3: a product quality reply says the cause, whether it is a quality defect, and the parts replaced.
        if (facts.category === 'product_quality') {
          const missing = (['cause', 'qualityDefect', 'partsReplaced'] as const).filter((f) => r.input[f] === undefined);
          if (missing.length) throw incomplete(`a product_quality reply must give ${missing.join(', ')}`);
        }
      } else {
        if (r.actor.role === 'dealer') throw refuse(`${facts.kind} is answered by the call center`);
        requireStatus(['awaiting_reply', 'in_progress'], 'reply');
      }
    },
    (r) => {
      const at = nowIso();
      state.firstReplyAt ??= at;
      const due = state.dispatch?.replyDue ?? state.deadlines?.replyDue;
      if (due) state.kpi.repliedOnTime ??= ms(at) <= ms(due);
      if (state.dispatch) state.dispatch.repliedAt ??= at;
      const { text: _text, ...details } = r.input;
      if (!isComplaintLoop) {
        if (r.input.final) close('closed', by(r), '客服答复并关闭', details);
        else {
          state.status = 'in_progress';
          record('replied', by(r), '客服答复（进展）', details);
        }
        return;
      }
      if (r.input.final) {
        state.finalReplyAt = at;
        if (state.major && !state.major.solutionAt) state.major.solutionAt = at;
        state.status = 'awaiting_closure_request';
        record('replied', by(r), '服务商回复最终处理结果', { ...details, text: r.input.text });
        notify(`closure-request-due:${state.events.length}`, 'closure_request_due', [{ role: 'coordinator' }]);
      } else {
        state.status = 'in_progress';
        record('replied', by(r), '服务商回复处理进展', { ...details, text: r.input.text });
      }
    },
  );

  handle(
    'request-closure',
    () => requireStatus(['awaiting_closure_request'], 'request-closure'),
    (r) => {
      state.closureRequests += 1;
      state.closureRequestedAt = nowIso();
      state.followUpAttempts = 0;
      state.status = 'awaiting_follow_up';
      record('closure_requested', by(r), `申请关闭（第 ${state.closureRequests} 次），转客服回访`, r.input.note ? { note: r.input.note } : undefined);
      notify(`follow-up-due:${state.closureRequests}`, 'follow_up_due', [{ role: 'call_center' }], { followUpDue: plusHours(state.closureRequestedAt, state.policy!.followUp.hours) });
    },
  );

  handle(
    'follow-up',
    () => requireStatus(['awaiting_follow_up'], 'follow-up'),
    (r) => {
      const { outcome, ratings, note } = r.input;
      const data = { outcome, ...(ratings && { ratings }), ...(note && { note }) };
      state.kpi.followUps += 1;
      if (outcome === 'satisfied') {
        const withinDeadline = !state.deadlines?.closureDeadline || ms(nowIso()) <= ms(state.deadlines.closureDeadline);
        state.kpi.closedWithinDeadline ??= withinDeadline;
        state.kpi.firstTimeClosure = state.closureRequests === 1 && state.kpi.unsatisfied === 0 && state.kpi.falseReplies === 0 && state.kpi.closedWithinDeadline === true;
        close('closed', by(r), '回访满意，闭环', data);
        return;
      }
      if (outcome === 'unreachable') {
        state.followUpAttempts += 1;
        const attempts = state.policy!.followUp.attemptsBeforeUnreachable;
        if (state.followUpAttempts >= attempts) {
          state.kpi.unreachable = true;
          close('closed_unreachable', by(r), `回访 ${attempts} 次联系不上，关闭`, data);
        } else record('follow_up_attempt', by(r), `回访联系不上（第 ${state.followUpAttempts}/${attempts} 次）`, data);
        return;
      }
      // Unsatisfied or a false reply: back to the dealer; no longer a first-time closure (SPEC §3).
      if (outcome === 'false_reply') state.kpi.falseReplies += 1;
      else state.kpi.unsatisfied += 1;
      state.kpi.firstTimeClosure = false;
      state.status = 'awaiting_reply';
      record('returned_to_dealer', by(r), outcome === 'false_reply' ? '回访发现虚假回复，退回服务商' : '回访不满意，退回服务商', data);
      notify(`returned:${state.kpi.followUps}`, 'returned_to_dealer', [{ dealerCode: state.dealerCode! }], { outcome, note: note ?? '' });
    },
  );

  handle(
    'force-close',
    () => requireStatus(OPEN, 'force-close'),
    (r) => {
      state.kpi.forcedClosure = true;
      state.closeReason = r.input.reason;
      close('force_closed', by(r), `强制闭环: ${r.input.reason}`, { reason: r.input.reason });
    },
  );

  handle(
    'reassign',
    (r) => {
      requireStatus(WITH_DEALER, 'reassign');
      if (r.input.dealerCode === state.dealerCode) throw refuse(`the complaint is already with ${r.input.dealerCode}`);
    },
    (r) => {
      const previous = state.dealerCode;
      if (!r.input.countAgainstPrevious) state.attributedDealerCode = r.input.dealerCode;
      record('reassigned', by(r), `由 ${previous} 转至 ${r.input.dealerCode}: ${r.input.reason}`, { from: previous, to: r.input.dealerCode, reason: r.input.reason, countAgainstPrevious: r.input.countAgainstPrevious });
      dispatchTo(r.input.dealerCode, r.region, by(r));
    },
  );

  handle(
    'upgrade',
    () => {
      requireStatus(OPEN, 'upgrade');
      if (state.severity === 'major') throw refuse('the complaint is already major');
    },
    (r) => upgradeToMajor(r.input.reason, by(r)),
  );

  handle(
    'acknowledge-major',
    (r) => {
      requireStatus(OPEN, 'acknowledge-major');
      if (!state.major) throw refuse('the complaint is not major');
      if (state.major.acknowledgedAt) throw refuse('the major complaint is already acknowledged');
      if (r.actor.role === 'regional_manager' && r.actor.region !== state.region) throw notYours();
    },
    (r) => {
      state.major!.acknowledgedAt = nowIso();
      record('major_acknowledged', by(r), '重大抱怨已确认', r.input.note ? { note: r.input.note } : undefined);
    },
  );

  handle(
    'written-report',
    (r) => {
      requireOwner(r);
      requireStatus(OPEN, 'written-report');
      if (!state.major) throw refuse('a written report is for major complaints');
    },
    (r) => {
      state.major!.writtenReportAt = nowIso();
      record('written_report', by(r), '服务商提交重大抱怨书面报告', { summary: r.input.summary });
    },
  );

  // `idle`: nothing queued or running in either lane, so the read model and the emails have caught up with the state.
  setHandler(getStateQuery, () => ({ ...state, idle: idle() }));

  // --- receipt ------------------------------------------------------------------------------------

  if (!resume) {
    await recordComplaint(input);
    // SPEC §4: the policy and calendars in force at receipt fix the deadlines; later changes never move them.
    state.policy = await getPolicy(facts.receivedAt);
    state.deadlines = await computeDeadlines({ receivedAt: facts.receivedAt, kind: facts.kind, category: facts.category, channel: facts.channel });
    await recordDeadlines(number, state.deadlines);
    if (!isComplaintLoop) state.status = 'awaiting_reply';
    record('received', facts.recordedBy ?? facts.channel, `受理: ${LABELS.zh.kind[facts.kind]} / ${LABELS.zh.category[facts.category]}`);
    notify('received', 'complaint_received', [{ role: isComplaintLoop ? 'coordinator' : 'call_center' }]);
    // SPEC §3: the automatic routing rule sends the work order to the customer's own dealer.
    if (isComplaintLoop && facts.dealerCode && facts.region) dispatchTo(facts.dealerCode, facts.region, 'system:routing');
    // After routing, so that the region's manager is told of a major complaint too.
    if (facts.severity === 'major') upgradeToMajor('受理时即为重大抱怨 (major at receipt)', 'system');
  }
  publish();
  if (notificationLane) void sendNotifications();

  // --- the main loop: run the projections, wait for an action or the next clock -------------------

  for (;;) {
    await runProjections();
    if (!OPEN.includes(state.status)) break;
    if (workflowInfo().historyLength > (options.historyLimit ?? HISTORY_EVENTS_LIMIT) || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await drain();
      // The state carries everything: history, deadlines, fired clocks; the clocks re-arm from it.
      await continueAsNew<typeof complaintWorkflow>(input, options, state);
    }
    const next = armedClocks().sort((a, b) => ms(a.at) - ms(b.at))[0];
    const timeout = next ? Math.max(ms(next.at) - Date.now(), 0) : undefined;
    // Every action and every undeliverable email records an event, so this wakes the loop for each.
    const woken = () => projections.length > 0;
    const acted = timeout === undefined ? await condition(woken) : timeout === 0 ? woken() : await condition(woken, timeout);
    if (!acted && next) {
      state.firedClocks.push(next.id);
      next.fire();
      publish();
    }
  }

  await condition(allHandlersFinished);
  await drain();
  publish();
  return state;
}

export { dealerDigestWorkflow, regionalInternetListWorkflow, forcedClosureListWorkflow, monthlyScoringWorkflow } from './schedules';
