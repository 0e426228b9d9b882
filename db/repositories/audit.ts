// The audit log: append-only answers to "why did this happen".
import type { Database } from 'better-sqlite3';
import type { AuditEntry, AuditKind } from '../../engine/domain/types';
import type { AuditInput } from '../../engine/ports';
import { fromJson, limitArg, oneOf, time, toJson } from './validate';

export const AUDIT_KINDS: readonly AuditKind[] = [
  'signal',
  'risk_denied',
  'approval_created',
  'approval_approved',
  'approval_rejected',
  'approval_expired',
  'order_submitted',
  'order_updated',
  'fill',
  'mode_changed',
  'state_changed',
  'killswitch',
  'settings_changed',
  'recovery',
  'data_quarantined',
  'alert',
  'error',
];

interface AuditRow {
  id: number;
  at: number;
  kind: AuditKind;
  message: string;
  data: string;
}

function fromRow(r: AuditRow): AuditEntry {
  return { id: r.id, at: r.at, kind: r.kind, message: r.message, data: fromJson<unknown>(r.data) };
}

export function prepareAuditRepo(db: Database) {
  const insert = db.prepare('INSERT INTO audit (at, kind, message, data) VALUES (@at, @kind, @message, @data)');
  const latest = db.prepare<[number], AuditRow>('SELECT * FROM audit ORDER BY id DESC LIMIT ?');
  const before = db.prepare<[number, number], AuditRow>('SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?');
  const ofKind = db.prepare<[string, number], AuditRow>('SELECT * FROM audit WHERE kind = ? ORDER BY id DESC LIMIT ?');

  return {
    append(e: AuditInput): AuditEntry {
      const data = toJson(`audit data of ${e.kind}`, e.data);
      const row = { at: time('audit at', e.at), kind: oneOf('audit kind', AUDIT_KINDS, e.kind), message: e.message, data };
      const id = Number(insert.run(row).lastInsertRowid);
      // hand back what a reader will get (JSON round trip), not the caller's live object
      return { id, at: row.at, kind: row.kind, message: row.message, data: fromJson<unknown>(data) };
    },
    /** newest first; pass the smallest id seen as beforeId to page back */
    list(limit: number, beforeId?: number): AuditEntry[] {
      limitArg('limit', limit);
      const rows = beforeId === undefined ? latest.all(limit) : before.all(limitArg('beforeId', beforeId), limit);
      return rows.map(fromRow);
    },
    /** newest first, one kind only (served by the (kind, id) index) */
    listOfKind(kind: AuditKind, limit: number): AuditEntry[] {
      limitArg('limit', limit);
      return ofKind.all(oneOf('audit kind', AUDIT_KINDS, kind), limit).map(fromRow);
    },
  };
}

export type AuditRepo = ReturnType<typeof prepareAuditRepo>;
