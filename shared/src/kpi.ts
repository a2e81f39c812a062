// SPEC §6: the facts a complaint's workflow records as they happen, so that scoring never
// re-derives them from the history. Light enough for workflow code: no value imports.

/** KPI facts of one complaint. `null`: not decided yet (a reply not in, a follow-up not done). */
export interface KpiFacts {
  /** 回复及时: the first reply came within the reply clock. */
  repliedOnTime: boolean | null;
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
}

/**
 * A complaint's facts before anything happened: nothing decided, nothing counted. Also what scoring
 * reads for a complaint whose read model has no facts yet.
 */
export const NO_KPI_FACTS: Readonly<KpiFacts> = Object.freeze({
  repliedOnTime: null,
  contactedOnTime: null,
  closedWithinDeadline: null,
  firstTimeClosure: null,
  followUps: 0,
  falseReplies: 0,
  unsatisfied: 0,
  unreachable: false,
  forcedClosure: false,
});

/** A fresh, changeable copy of the facts before anything happened, for a new complaint. */
export function newKpiFacts(): KpiFacts {
  return { ...NO_KPI_FACTS };
}
