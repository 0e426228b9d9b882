// Approvals slice: the engine sends the whole queue on every change (approvals:updated).
import { create } from 'zustand';
import type { Approval } from '../../engine/domain/types';

export interface ApprovalsSlice {
  approvals: Approval[];
}

export const useApprovalsStore = create<ApprovalsSlice>(() => ({ approvals: [] }));

/** What waits for a decision, oldest first (it expires first). */
export function pendingApprovals(all: readonly Approval[]): Approval[] {
  return all.filter((a) => a.status === 'pending').sort((a, b) => a.createdAt - b.createdAt);
}

/** Milliseconds left before an approval expires, on the engine's clock; never negative. */
export function msUntilExpiry(approval: Approval, localNow: number, serverClockOffsetMs: number): number {
  return Math.max(0, approval.expiresAt - (localNow + serverClockOffsetMs));
}
