import { CATEGORIES, CHANNELS, type Condition, type NotificationRequest, type PenaltyKind, type Rate, type RatingAverage } from '@complaints/shared';
import type { Models } from '@complaints/activities';
import { readAnalysis } from './analysis';
import { moneyTotals, normalizeCard, type Scorecard } from './scorecards';

// SPEC §6, last paragraph: when a month is frozen, each dealer is emailed its own scorecard and each
// regional manager its region's table; the coordinator gets the summary with the analysis report
// (客户投诉分析报告) and the incentive totals per region, for finance. Built from the frozen version
// itself, so that every email says what was decided. No customer data: figures, dealer codes and
// complaint numbers only (a penalty's reason is the coordinator's free text and stays on the dashboard).

/** Emails per page of the monthly-scoring workflow's loop: keeps each activity result small. */
export const EMAILS_PER_PAGE = 50;

const CONDITION_WORDS: Record<Condition['name'], { zh: string; en: string }> = {
  within_quota: { zh: '抱怨数不超过抱怨限值', en: 'Complaints within the quota' },
  hotline_first_time_closure: { zh: '400抱怨一次闭环率 100%', en: 'Hotline first-time closure rate 100%' },
  hotline_monthly_closure: { zh: '400抱怨月度闭环率 100%', en: 'Hotline monthly closure rate 100%' },
  internet_closure: { zh: '网络抱怨闭环率 100%（含结转）', en: 'Internet closure rate 100% (carried complaints included)' },
  no_negative_media: { zh: '无负面媒体曝光', en: 'No negative media exposure' },
  in_service: { zh: '正常服务（非过渡、暂停服务或撤站）', en: 'In regular service (not transitional, suspended or delisted)' },
  acknowledged_on_time: { zh: '当日确认率 100%', en: 'Same-day confirmation rate 100%' },
};

const PENALTY_WORDS: Record<PenaltyKind, { zh: string; en: string }> = {
  amount: { zh: '考核金额', en: 'Penalty amount' },
  star_downgrade: { zh: '降星级', en: 'Star level lowered' },
  star_cancellation: { zh: '取消星级', en: 'Star level cancelled' },
  delisting: { zh: '撤站', en: 'Delisted' },
  media_exposure: { zh: '负面媒体曝光', en: 'Negative media exposure' },
};

/** "3/4 (75.0%)", or empty where there was nothing to measure (the template says 无数据 / no data). */
const rate = (r: Rate) => (r.rate === null ? '' : `${r.numerator}/${r.denominator} (${(r.rate * 100).toFixed(1)}%)`);
const yuan = (n: number | null | undefined) => (typeof n === 'number' ? n.toLocaleString('en-US') : '');
const yes = (b: boolean) => (b ? 'yes' : '');
const average = (a: RatingAverage) => (a.average === null ? '' : a.average.toFixed(2));

const key = (month: string, version: number) => `scorecard:${month}:v${version}`;

function dealerEmail(card: Scorecard, version: number, dashboard: string): NotificationRequest {
  return {
    key: `${key(card.month, version)}:dealer:${card.dealerCode}`,
    template: 'dealer_scorecard',
    recipients: [{ dealerCode: card.dealerCode }],
    data: {
      month: card.month,
      version: String(version),
      dealerCode: card.dealerCode,
      dealerName: card.dealerName,
      region: card.region,
      starLevel: card.starLevel === null ? '' : String(card.starLevel),
      complaints: String(card.all.complaints),
      hotlineComplaints: String(card.hotline.complaints),
      internetComplaints: String(card.internet.complaints),
      carried: String(card.internet.carried),
      carriedClosed: String(card.internet.carriedClosed),
      unreachable: String(card.all.unreachable),
      falseReplies: String(card.all.falseReplies),
      acknowledgedOnTime: rate(card.all.acknowledgedOnTime),
      replyOnTime: rate(card.all.replyOnTime),
      contactOnTime: rate(card.all.contactWithin24h),
      firstTimeClosure: rate(card.all.firstTimeClosure),
      monthlyClosure: rate(card.all.monthlyClosure),
      satisfaction: rate(card.all.satisfaction),
      hotlineFirstTimeClosure: rate(card.hotline.firstTimeClosure),
      hotlineMonthlyClosure: rate(card.hotline.monthlyClosure),
      internetClosure: rate(card.internet.monthlyClosure),
      repairRequests: String(card.repairRequests.complaints),
      repairOnTime: rate(card.repairRequests.replyOnTime),
      countedAgainstQuota: String(card.countedAgainstQuota),
      quota: card.quota?.quota === null || card.quota?.quota === undefined ? '' : String(card.quota.quota),
      eligible: yes(card.incentive.eligible),
      amountDue: yuan(card.incentive.amountDue),
      conditions: card.incentive.conditions.map((c) => ({ pass: yes(c.pass), ...(CONDITION_WORDS[c.name] ?? { zh: c.name, en: c.name }) })),
      penalties: card.penalties.map((p) => ({ ...(PENALTY_WORDS[p.kind] ?? { zh: p.kind, en: p.kind }), amount: yuan(p.amount), complaintNumber: p.complaintNumber ?? '' })),
      dashboardUrl: dashboard,
    },
  };
}

function regionEmail(month: string, version: number, region: string, cards: Scorecard[], dashboard: string): NotificationRequest {
  const { network: total } = moneyTotals(cards);
  return {
    key: `${key(month, version)}:region:${region}`,
    template: 'regional_scorecard',
    recipients: [{ region }],
    data: {
      month,
      version: String(version),
      region,
      count: String(total.dealers),
      eligible: String(total.eligible),
      amountDue: yuan(total.amountDue),
      penaltyAmount: yuan(total.penaltyAmount),
      dealers: cards.map((c) => ({
        dealerCode: c.dealerCode,
        dealerName: c.dealerName,
        complaints: String(c.all.complaints),
        replyOnTime: rate(c.all.replyOnTime),
        monthlyClosure: rate(c.all.monthlyClosure),
        internetClosure: rate(c.internet.monthlyClosure),
        satisfaction: rate(c.all.satisfaction),
        eligible: yes(c.incentive.eligible),
        amountDue: yuan(c.incentive.amountDue),
      })),
      dashboardUrl: dashboard,
    },
  };
}

async function coordinatorEmail(models: Models, month: string, version: number, cards: Scorecard[], dashboard: string): Promise<NotificationRequest> {
  const { regions, network } = moneyTotals(cards);
  const { rows, ratings } = await readAnalysis(models, {}, month, month);
  const sum = (pick: (r: (typeof rows)[number]) => boolean) => {
    const of = rows.filter(pick);
    return { complaints: String(of.reduce((s, r) => s + r.complaints, 0)), closedByMonthEnd: String(of.reduce((s, r) => s + r.closedByMonthEnd, 0)), satisfied: String(of.reduce((s, r) => s + r.satisfied, 0)) };
  };
  const month_ = ratings.byMonth[0];
  return {
    key: key(month, version),
    template: 'monthly_scorecard',
    recipients: [{ role: 'coordinator' }],
    data: {
      month,
      version: String(version),
      count: String(network.dealers),
      eligible: String(network.eligible),
      notEligible: String(network.dealers - network.eligible),
      amountDue: yuan(network.amountDue),
      penaltyAmount: yuan(network.penaltyAmount),
      regions: regions.map((r) => ({ region: r.region || '—', dealers: String(r.dealers), eligible: String(r.eligible), amountDue: yuan(r.amountDue), penaltyAmount: yuan(r.penaltyAmount) })),
      byCategory: CATEGORIES.map((category) => ({ category, ...sum((r) => r.category === category) })),
      byChannel: CHANNELS.flatMap((channel) => (rows.some((r) => r.channel === channel) ? [{ channel, ...sum((r) => r.channel === channel) }] : [])),
      ratingServiceQuality: month_ ? average(month_.serviceQuality) : '',
      ratingAttitude: month_ ? average(month_.attitude) : '',
      ratingPriceCheck: month_ ? average(month_.priceCheck) : '',
      ratingOverall: month_ ? average(month_.overall) : '',
      dashboardUrl: dashboard,
    },
  };
}

/**
 * The emails of a frozen version of a month, a page at a time, in a fixed order: the coordinator's,
 * each region's, each dealer's (dealers the directory no longer lists have no mailbox: none).
 */
export async function scorecardEmails(models: Models, input: { month: string; version: number; page: number; dashboardUrl?: string }): Promise<{ requests: NotificationRequest[]; more: boolean }> {
  const { month, version, page } = input;
  const frozen = await models.FrozenScorecardVersion.findById(`${month}:${version}`, { cards: 1 }).lean();
  if (!frozen) throw new Error(`the scorecards of ${month} version ${version} are not frozen`);
  const cards = (frozen.cards as Scorecard[]).map(normalizeCard);
  const dashboard = `${(input.dashboardUrl ?? '').replace(/\/$/, '')}/dashboard?month=${month}`;
  const listed = cards.filter((c) => c.region);
  const regions = [...new Set(listed.map((c) => c.region))].sort();
  type Pending = () => NotificationRequest | Promise<NotificationRequest>;
  const all: Pending[] = [
    () => coordinatorEmail(models, month, version, cards, dashboard),
    ...regions.map((region) => () => regionEmail(month, version, region, listed.filter((c) => c.region === region), dashboard)),
    ...listed.map((card) => () => dealerEmail(card, version, dashboard)),
  ];
  const start = (page - 1) * EMAILS_PER_PAGE;
  return { requests: await Promise.all(all.slice(start, start + EMAILS_PER_PAGE).map((build) => build())), more: all.length > start + EMAILS_PER_PAGE };
}
