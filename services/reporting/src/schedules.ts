import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '@complaints/shared';

/** SPEC §5's periodic emails, SPEC §6's monthly scoring (frozen once the month has closed) and SPEC §7's daily retention run, as Temporal Schedules (visible under Schedules in the Temporal UI). Beijing time. */
export const SCHEDULES = [
  { scheduleId: 'dealer-daily-digest', workflowType: 'dealerDigestWorkflow', cron: '0 8 * * *', what: '每日 08:00 服务商未闭环派工单汇总 (daily dealer digest)' },
  { scheduleId: 'coordinator-daily-digest', workflowType: 'coordinatorDigestWorkflow', cron: '0 8 * * *', what: '每日 08:00 关键客户科待办与工作日历提醒 (daily coordinator digest, with the calendar warnings)' },
  { scheduleId: 'regional-weekly-internet-list', workflowType: 'regionalInternetListWorkflow', cron: '0 9 * * 1', what: '每周一 09:00 大区未闭环网络抱怨清单 (weekly regional internet list)' },
  {
    scheduleId: 'monthly-scoring',
    workflowType: 'monthlyScoringWorkflow',
    cron: '0 6 * * *',
    what: '每日 06:00 检查：到考核冻结日（默认次月10日）冻结上月服务商考核并发送 (daily: on the policy’s freeze day, freeze last month’s scorecards and send them)',
    formerly: ['每月1日 06:00 冻结上月服务商考核并通知关键客户科 (freeze last month’s scorecards)'],
  },
  { scheduleId: 'monthly-forced-closure-list', workflowType: 'forcedClosureListWorkflow', cron: '0 9 1 * *', what: '每月1日 09:00 上月强制闭环清单 (monthly forced-closure list)' },
  { scheduleId: 'daily-retention', workflowType: 'retentionWorkflow', cron: '0 2 * * *', what: '每日 02:00 删除超过保存期限的已闭环抱怨个人信息 (daily retention: erase personal data of complaints closed past their policy’s retention)' },
] as const;

/**
 * Creates the schedules that do not exist yet. An existing one (maybe edited by an operator) is left
 * as it is, unless it is still exactly as a former release created it (its note says so): then it
 * takes this release's timing, which its workflow relies on.
 */
export async function ensureSchedules(client: Client, config: Config): Promise<string[]> {
  const created: string[] = [];
  for (const s of SCHEDULES) {
    try {
      await client.schedule.create({
        scheduleId: s.scheduleId,
        spec: { cronExpressions: [s.cron], timezone: 'Asia/Shanghai' },
        action: { type: 'startWorkflow', workflowType: s.workflowType, taskQueue: config.TASK_QUEUE_REPORTING, args: [{ notifications: config.TASK_QUEUE_NOTIFICATIONS, dashboardUrl: config.REPORTING_BASE_URL }] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
        state: { note: s.what },
      });
      created.push(s.scheduleId);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      const formerly: readonly string[] = 'formerly' in s ? s.formerly : [];
      const handle = client.schedule.getHandle(s.scheduleId);
      if (formerly.length && formerly.includes((await handle.describe()).state.note ?? '')) {
        await handle.update((previous) => ({ ...previous, spec: { cronExpressions: [s.cron], timezone: 'Asia/Shanghai' }, state: { ...previous.state, note: s.what } }));
        created.push(s.scheduleId);
      }
    }
  }
  return created;
}
