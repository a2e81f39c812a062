// SPEC §6: the facts a complaint's workflow records as they happen, so that scoring never
// re-derives them from the history. Light enough for workflow code: no value imports.

/** KPI facts of one complaint. `null`: not decided yet (a reply not in, a follow-up not done). */
export interface KpiFacts {
  /**
   * 派工及时 (SPEC §4): the coordinator dispatched a complaint that waited for them by its dispatch
   * clock. The network's rate in the monthly analysis; no dealer's KPI.
   */
  dispatchedOnTime?: boolean | null;
  /** 当日确认: the dealer confirmed the first work order by its acknowledgement clock (SPEC §3.3). */
  acknowledgedOnTime?: boolean | null;
  /** 回复及时: the first reply came within the reply clock. */
  repliedOnTime: boolean | null;
  /** A repair request's "on time" (seed 002 400 §6.2.7): the dealer's feedback within its working-day clock. */
  repairFeedbackOnTime?: boolean | null;
  /** 24小时联系: the dealer recorded its first contact with the customer within the contact clock. */
  contactedOnTime: boolean | null;
  /** Closed (satisfied follow-up) by the closure deadline; false as soon as the deadline passes. */
  closedWithinDeadline: boolean | null;
  /** 一次闭环: closed at the first closure request, with no return to the dealer, within the closure deadline. */
  firstTimeClosure: boolean | null;
  followUps: number;
  /** 虚假回复: follow-ups that found the dealer's reply untrue. */
  falseReplies: number;
  unsatisfied: number;
  /** Closed as unreachable: the complaint leaves the KPI denominators. */
  unreachable: boolean;
  /** 强制闭环: listed monthly. */
  forcedClosure: boolean;
  /** The last follow-up's ratings (SPEC §3.7), 1-5 each; free text stays in the history. */
  ratings?: FollowUpScores | null;
}

/** The numeric ratings of a follow-up (SPEC §3.7): analysed by dealer, region and month. */
export interface FollowUpScores {
  serviceQuality?: number;
  attitude?: number;
  priceCheck?: number;
  overall?: number;
}

/**
 * A complaint's facts before anything happened: nothing decided, nothing counted. Also what scoring
 * reads for a complaint whose read model has no facts yet.
 */
export const NO_KPI_FACTS: Readonly<KpiFacts> = Object.freeze({
  acknowledgedOnTime: null,
  repliedOnTime: null,
  repairFeedbackOnTime: null,
  contactedOnTime: null,
  closedWithinDeadline: null,
  firstTimeClosure: null,
  followUps: 0,
  falseReplies: 0,
  unsatisfied: 0,
  unreachable: false,
  forcedClosure: false,
  ratings: null,
});

/** A fresh, changeable copy of the facts before anything happened, for a new complaint. */
export function newKpiFacts(): KpiFacts {
  return { ...NO_KPI_FACTS };
}
