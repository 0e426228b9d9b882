// Approvals slice: the engine sends the whole queue on every change (approvals:updated), and
// how many proposals it will still approve on its own ("Approve next N").
import { create } from 'zustand';
import type { Approval } from '../../engine/domain/types';

export interface ApprovalsSlice {
  approvals: Approval[];
  /** proposals the engine still approves without a click (snapshot, supervisor:auto_approve) */
  autoApproveRemaining: number;
}

export const useApprovalsStore = create<ApprovalsSlice>(() => ({ approvals: [], autoApproveRemaining: 0 }));

/** The "Approve next N" control accepts 1..50 (the contract's limit). */
export const APPROVE_NEXT_MAX = 50;

/** The N typed into "Approve next [N]", or null when it is not a whole number in 1..50. */
export function parseApproveNext(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= APPROVE_NEXT_MAX ? n : null;
}

/** What waits for a decision, oldest first (it expires first). */
export function pendingApprovals(all: readonly Approval[]): Approval[] {
  return all.filter((a) => a.status === 'pending').sort((a, b) => a.createdAt - b.createdAt);
}

/** Milliseconds left before an approval expires, on the engine's clock; never negative. */
export function msUntilExpiry(approval: Approval, localNow: number, serverClockOffsetMs: number): number {
  return Math.max(0, approval.expiresAt - (localNow + serverClockOffsetMs));
}
