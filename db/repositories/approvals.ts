// The approval queue. The whole Approval is kept as JSON; status and times are columns so
// startup can fetch pending ones without parsing the rest.
import type { Database } from 'better-sqlite3';
import type { Approval, ApprovalStatus } from '../../engine/domain/types';
import { fromJson, oneOf, text, time, toJson } from './validate';

const APPROVAL_STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'rejected', 'expired'];

export function prepareApprovalRepo(db: Database) {
  const upsert = db.prepare(`
    INSERT INTO approvals (id, status, created_at, expires_at, data) VALUES (@id, @status, @created_at, @expires_at, @data)
    ON CONFLICT (id) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at, data = excluded.data`);
  const pending = db.prepare<[], string>("SELECT data FROM approvals WHERE status = 'pending' ORDER BY created_at, rowid").pluck();
  const get = db.prepare<[string], string>('SELECT data FROM approvals WHERE id = ?').pluck();

  return {
    save(a: Approval): void {
      const id = `approval ${JSON.stringify(a.id)}`;
      upsert.run({
        id: text('approval id', a.id),
        status: oneOf(`${id} status`, APPROVAL_STATUSES, a.status),
        created_at: time(`${id} createdAt`, a.createdAt),
        expires_at: time(`${id} expiresAt`, a.expiresAt),
        data: toJson(id, a),
      });
    },
    pending(): Approval[] {
      return pending.all().map((s) => fromJson<Approval>(s));
    },
    get(id: string): Approval | null {
      const s = get.get(id);
      return s === undefined ? null : fromJson<Approval>(s);
    },
  };
}

export type ApprovalRepo = ReturnType<typeof prepareApprovalRepo>;
