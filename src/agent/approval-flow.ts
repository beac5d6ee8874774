/**
 * Approval mode, driven from the config task (CommonAgent.syncConfig): each tick it expires what
 * waited too long, reports rejections and expiries to the platform, applies an approved proposal
 * (exactly as approved), and holds a new proposal after validating it. See approval.ts for the
 * rules; the decisions themselves arrive through the approval API (src/service/server.ts).
 */
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { encodeJson, sha256Hex } from '../platform/json.js';
import type { Proposal } from '../platform/types.js';
import type { ApprovalQueue, HeldChange, HeldProposal } from './approval.js';
import { knobText } from './knob-text.js';

/** What the flow needs of a validated plan (src/apply's ApplyPlan has these fields). */
export interface PlanView {
  changes: readonly { name: string; current: string; proposed: string; unit: string | null }[];
  restartRequired?: boolean;
}

export type ApplyOutcomeKind = 'applied' | 'unchanged' | 'failed';

export interface TickHooks {
  /** Validate the proposal against the live server; change nothing. Throws when it is refused. */
  plan(proposal: Proposal): Promise<PlanView>;
  /** Apply for real (logs, reports failures to the platform and counts as the auto mode does). */
  apply(proposal: Proposal): Promise<ApplyOutcomeKind>;
  /** Report "not applied" to the platform. */
  report(message: string): Promise<void>;
}

export interface ApprovalFlowDeps {
  queue: ApprovalQueue;
  log: Logger;
  /** Counts pending/rejected/expired (the service metrics). */
  count?: (outcome: 'pending' | 'rejected' | 'expired') => void;
}

export class ApprovalFlow {
  constructor(private readonly d: ApprovalFlowDeps) {}

  get queue(): ApprovalQueue {
    return this.d.queue;
  }

  /** One config tick. Resolves true when the database settings changed. */
  async tick(proposal: Proposal | null, hooks: TickHooks): Promise<boolean> {
    const { queue, log } = this.d;
    for (const e of queue.expireDue()) {
      log.warn(
        { id: e.id, knobs: e.changes.map((c) => c.text) },
        'proposal expired without approval; not applied',
      );
    }
    await this.reportDecisions(hooks);
    let changed = false;
    const approved = queue.nextApproved();
    if (approved) {
      log.info({ id: approved.id, knobs: approved.changes.map((c) => c.text) }, 'applying approved proposal');
      const outcome = await hooks.apply(approved.proposal);
      queue.settle(approved.id, outcome !== 'failed', outcome === 'failed' ? 'apply failed' : undefined);
      changed = outcome === 'applied';
    }
    if (proposal) await this.hold(proposal, hooks);
    return changed;
  }

  private async hold(proposal: Proposal, hooks: TickHooks): Promise<void> {
    const { queue, log } = this.d;
    const hash = sha256Hex(encodeJson(proposal));
    if (queue.knows(hash)) return;
    let plan: PlanView;
    try {
      plan = await hooks.plan(proposal);
    } catch (err) {
      const message = `Failed to apply configuration: ${errorMessage(err)}`;
      queue.refuse(hash, proposal, errorMessage(err));
      log.error({ err: errorMessage(err) }, 'proposal refused by validation; not held for approval');
      await hooks.report(message).catch((e: unknown) => log.debug({ err: errorMessage(e) }, 'report failed'));
      return;
    }
    if (plan.changes.length === 0) {
      log.debug('proposal already in effect; nothing to approve');
      return;
    }
    const changes: HeldChange[] = plan.changes.map((c) => ({
      name: c.name,
      current: c.current,
      proposed: c.proposed,
      unit: c.unit,
      text: knobText(c.name, c.proposed, c.unit),
    }));
    const entry = queue.offer(hash, proposal, changes, plan.restartRequired === true);
    if (!entry) return;
    this.d.count?.('pending');
    log.warn(
      {
        id: entry.id,
        restart: entry.restart,
        expiresAt: new Date(entry.expiresAt).toISOString(),
        knobs: changes.map((c) => c.text),
      },
      'proposal awaiting approval (dbtune-agent approve <id>)',
    );
  }

  private async reportDecisions(hooks: TickHooks): Promise<void> {
    const { queue, log } = this.d;
    const list = queue.takeUnreported();
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as HeldProposal;
      const why =
        e.state === 'rejected'
          ? `rejected by the operator${e.note ? `: ${e.note}` : ''}`
          : 'expired without approval';
      try {
        await hooks.report(`Failed to apply configuration: proposal ${e.id} ${why}`);
        this.d.count?.(e.state === 'rejected' ? 'rejected' : 'expired');
        log.info({ id: e.id, state: e.state }, 'proposal decision reported to the platform');
      } catch (err) {
        queue.returnUnreported(list.slice(i));
        log.debug({ err: errorMessage(err) }, 'decision report failed; retrying next tick');
        return;
      }
    }
  }
}
