import type { Response } from 'express';

// What bounds the public form's uploads in one intake process: the posts parsed at once, and the
// attachment bytes each client address stores in an hour.

const HOUR_MS = 3_600_000;

/** Slots for uploads in progress; a post waits for one in arrival order, for a while. */
export class UploadSlots {
  private free: number;
  private readonly waiting = new Set<() => void>();

  constructor(count: number) {
    this.free = count;
  }

  /** A slot's release, or undefined when none came free within `waitMs` or the customer left meanwhile. */
  take(waitMs: number, res: Response): Promise<(() => void) | undefined> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve(this.release());
    }
    return new Promise((resolve) => {
      const stop = () => {
        clearTimeout(timer);
        res.off('close', giveUp);
        this.waiting.delete(grant);
      };
      const grant = () => {
        stop();
        resolve(this.release());
      };
      const giveUp = () => {
        stop();
        resolve(undefined);
      };
      const timer = setTimeout(giveUp, waitMs);
      res.once('close', giveUp);
      this.waiting.add(grant);
    });
  }

  private release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const [next] = this.waiting;
      if (next) next();
      else this.free += 1;
    };
  }
}

/**
 * Attachment bytes each client address stored in the last hour, in this process's memory: behind
 * several intake processes each counts its own, and a restart forgets.
 */
export class HourlyUploads {
  private readonly stored = new Map<string, { at: number; bytes: number }[]>();
  private swept = 0;

  constructor(readonly limit: number) {}

  /** Seconds until `bytes` more fit the address's hour; 0: they fit now. */
  wait(address: string, bytes: number, now = Date.now()): number {
    const entries = this.current(address, now);
    let used = entries.reduce((sum, entry) => sum + entry.bytes, 0);
    if (used + bytes <= this.limit) return 0;
    for (const entry of entries) {
      used -= entry.bytes;
      if (used + bytes <= this.limit) return Math.max(1, Math.ceil((entry.at + HOUR_MS - now) / 1000));
    }
    return HOUR_MS / 1000;
  }

  /** Counts `bytes` for the address now; the returned function takes them back (nothing was stored). */
  add(address: string, bytes: number, now = Date.now()): () => void {
    const entry = { at: now, bytes };
    const entries = this.current(address, now);
    entries.push(entry);
    this.stored.set(address, entries);
    return () => {
      const list = this.stored.get(address);
      const index = list?.indexOf(entry) ?? -1;
      if (index >= 0) list!.splice(index, 1);
    };
  }

  private current(address: string, now: number): { at: number; bytes: number }[] {
    // Addresses quiet for an hour are forgotten, a sweep a minute at most.
    if (now - this.swept > 60_000) {
      this.swept = now;
      for (const [key, list] of this.stored) if (!list.some((e) => e.at > now - HOUR_MS)) this.stored.delete(key);
    }
    const entries = (this.stored.get(address) ?? []).filter((e) => e.at > now - HOUR_MS);
    if (entries.length) this.stored.set(address, entries);
    else this.stored.delete(address);
    return entries;
  }
}
