// Audit slice: the most recent audit records, newest first.
import { create } from 'zustand';
import type { AuditEntry } from '../../engine/domain/types';

export const AUDIT_KEEP = 500;

export interface AuditSlice {
  entries: AuditEntry[];
}

export const useAuditStore = create<AuditSlice>(() => ({ entries: [] }));

/** Merge records from audit:list or audit:appended: one copy per id, newest id first, bounded. */
export function mergeAudit(current: readonly AuditEntry[], incoming: readonly AuditEntry[], keep = AUDIT_KEEP): AuditEntry[] {
  // the common case, one record newer than all held (audit:appended): no map, no sort
  if (incoming.length === 1 && (current.length === 0 || incoming[0]!.id > current[0]!.id)) return [incoming[0]!, ...current.slice(0, keep - 1)];
  const byId = new Map<number, AuditEntry>();
  for (const e of current) byId.set(e.id, e);
  for (const e of incoming) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, keep);
}
