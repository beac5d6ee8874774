/**
 * Approval mode (`apply_mode: approve`): a human decides. A proposal the platform sends is
 * validated (planned, nothing changed) and held here as *pending* under a short id; it is applied
 * only after `dbtune-agent approve <id>` or `POST /proposals/<id>/approve` on the service
 * endpoint, and then exactly as it was approved, even if the platform has moved on since.
 *
 * Rules that keep it safe:
 * - One pending proposal at a time: a newer, different proposal supersedes it (approving a
 *   superseded id is refused).
 * - A pending proposal expires `approval.expiry_minutes` after it arrived and is never applied
 *   after that; an approved one must be applied within the same span after its approval.
 * - A proposal that was decided (applied, failed, rejected, expired) is not offered again while
 *   the platform keeps sending it; a different proposal is.
 * - Rejections and expiries are reported to the platform (as a `config_apply_error` log entry, the
 *   type the platform already reads as "this proposal was not applied"), once each.
 *
 * The queue is pure state with an injected clock; approval-flow.ts drives it from the config task.
 */
import { randomBytes } from 'node:crypto';
import type { Proposal } from '../platform/types.js';

export type HeldState = 'pending' | 'approved' | 'applied' | 'failed' | 'rejected' | 'expired' | 'superseded';

/** One knob of the validated plan, for people (`text`) and tools. */
export interface HeldChange {
  name: string;
  current: string;
  proposed: string;
  unit: string | null;
  text: string;
}

export interface HeldProposal {
  readonly id: string;
  readonly hash: string;
  state: HeldState;
  readonly receivedAt: number;
  /** Pending: receivedAt + expiry; approved: approval time + expiry. */
  expiresAt: number;
  readonly changes: readonly HeldChange[];
  readonly restart: boolean;
  /** Why it was rejected, failed or superseded. */
  note?: string;
  /** The proposal exactly as validated; what an approval applies. */
  readonly proposal: Proposal;
}

export type Decision = { ok: true; entry: HeldProposal } | { ok: false; status: 404 | 409; message: string };

export interface ApprovalQueueOptions {
  expiryMs: number;
  now?: () => number;
  newId?: () => string;
  /** Decided entries kept for `pending` listings and for not re-offering (default 50). */
  keep?: number;
}

export class ApprovalQueue {
  private entries: HeldProposal[] = [];
  private unreported: HeldProposal[] = [];
  private expiryMs: number;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly keep: number;

  constructor(o: ApprovalQueueOptions) {
    this.expiryMs = o.expiryMs;
    this.now = o.now ?? Date.now;
    this.newId = o.newId ?? (() => randomBytes(4).toString('hex'));
    this.keep = o.keep ?? 50;
  }

  /** A reload may change approval.expiry_minutes; entries already held keep their deadline. */
  setExpiry(ms: number): void {
    this.expiryMs = ms;
  }

  /** Newest first. */
  list(): readonly HeldProposal[] {
    return [...this.entries].reverse();
  }

  pendingCount(): number {
    return this.entries.filter((e) => e.state === 'pending').length;
  }

  /**
   * Hold a validated proposal. Returns the new pending entry, or undefined when this proposal is
   * already held or was decided before (the platform sends the same one every few seconds).
   * Supersedes an older pending proposal.
   */
  offer(hash: string, proposal: Proposal, changes: HeldChange[], restart: boolean): HeldProposal | undefined {
    if (this.knows(hash)) return undefined;
    for (const e of this.entries) {
      if (e.state === 'pending') {
        e.state = 'superseded';
        e.note = 'a newer proposal arrived';
      }
    }
    let id = this.newId();
    while (this.entries.some((e) => e.id === id)) id = this.newId();
    const at = this.now();
    const entry: HeldProposal = {
      id,
      hash,
      state: 'pending',
      receivedAt: at,
      expiresAt: at + this.expiryMs,
      changes,
      restart,
      proposal,
    };
    this.entries.push(entry);
    this.trim();
    return entry;
  }

  /** Whether this proposal is held or was decided (no need to validate it again). */
  knows(hash: string): boolean {
    return this.entries.some((e) => e.hash === hash && e.state !== 'superseded');
  }

  /** A proposal that failed validation: remembered as failed so it is not offered again. */
  refuse(hash: string, proposal: Proposal, note: string): void {
    const at = this.now();
    this.entries.push({
      id: this.newId(),
      hash,
      state: 'failed',
      receivedAt: at,
      expiresAt: at,
      changes: [],
      restart: false,
      note,
      proposal,
    });
    this.trim();
  }

  approve(id: string): Decision {
    this.expireDue();
    const found = this.find(id);
    if (!found.ok) return found;
    const e = found.entry;
    if (e.state !== 'pending') return { ok: false, status: 409, message: `proposal ${id} is ${e.state}` };
    e.state = 'approved';
    e.expiresAt = this.now() + this.expiryMs;
    return { ok: true, entry: e };
  }

  reject(id: string, reason: string): Decision {
    this.expireDue();
    const found = this.find(id);
    if (!found.ok) return found;
    const e = found.entry;
    if (e.state !== 'pending' && e.state !== 'approved') {
      return { ok: false, status: 409, message: `proposal ${id} is ${e.state}` };
    }
    e.state = 'rejected';
    e.note = reason;
    this.unreported.push(e);
    return { ok: true, entry: e };
  }

  /** Move every pending or approved entry past its deadline to `expired`; returns them. */
  expireDue(): HeldProposal[] {
    const t = this.now();
    const due = this.entries.filter(
      (e) => (e.state === 'pending' || e.state === 'approved') && t >= e.expiresAt,
    );
    for (const e of due) {
      e.state = 'expired';
      this.unreported.push(e);
    }
    return due;
  }

  /** The approved proposal to apply now (expired ones never are). */
  nextApproved(): HeldProposal | undefined {
    this.expireDue();
    return this.entries.find((e) => e.state === 'approved');
  }

  /** Record how applying an approved entry ended. */
  settle(id: string, ok: boolean, note?: string): void {
    const e = this.entries.find((x) => x.id === id);
    if (!e || e.state !== 'approved') return;
    e.state = ok ? 'applied' : 'failed';
    if (note !== undefined) e.note = note;
  }

  /** Rejections and expiries not yet reported to the platform (each is returned once). */
  takeUnreported(): HeldProposal[] {
    const out = this.unreported;
    this.unreported = [];
    return out;
  }

  /** Put back what could not be reported (the platform was unreachable). */
  returnUnreported(list: HeldProposal[]): void {
    this.unreported.unshift(...list);
  }

  private find(id: string): Decision {
    const e = this.entries.find((x) => x.id === id);
    return e ? { ok: true, entry: e } : { ok: false, status: 404, message: `no proposal with id ${id}` };
  }

  /** Keep every undecided entry and the newest decided ones. */
  private trim(): void {
    const live = new Set<HeldState>(['pending', 'approved']);
    let decided = this.entries.filter((e) => !live.has(e.state)).length;
    this.entries = this.entries.filter((e) => live.has(e.state) || decided-- <= this.keep);
  }
}

/** The JSON shape of an entry on the approval API and in `dbtune-agent pending`. */
export function heldView(e: HeldProposal) {
  return {
    id: e.id,
    state: e.state,
    received_at: new Date(e.receivedAt).toISOString(),
    expires_at: new Date(e.expiresAt).toISOString(),
    restart: e.restart,
    changes: e.changes.map((c) => ({
      name: c.name,
      current: c.current,
      proposed: c.proposed,
      unit: c.unit,
      text: c.text,
    })),
    ...(e.note === undefined ? {} : { note: e.note }),
  };
}
export type HeldView = ReturnType<typeof heldView>;
