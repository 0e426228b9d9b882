// Emergency-stop reports; saved again as each step progresses (upsert by id).
import type { Database } from 'better-sqlite3';
import type { StopReport } from '../../engine/domain/types';
import { fromJson, text, time, toJson } from './validate';

export function prepareStopReportRepo(db: Database) {
  const upsert = db.prepare(`
    INSERT INTO stop_reports (id, requested_at, data) VALUES (@id, @requested_at, @data)
    ON CONFLICT (id) DO UPDATE SET requested_at = excluded.requested_at, data = excluded.data`);
  const latest = db.prepare<[], string>('SELECT data FROM stop_reports ORDER BY requested_at DESC, rowid DESC LIMIT 1').pluck();

  return {
    save(r: StopReport): void {
      upsert.run({
        id: text('stop report id', r.id),
        requested_at: time('stop report requestedAt', r.requestedAt),
        data: toJson(`stop report ${JSON.stringify(r.id)}`, r),
      });
    },
    latest(): StopReport | null {
      const s = latest.get();
      return s === undefined ? null : fromJson<StopReport>(s);
    },
  };
}

export type StopReportRepo = ReturnType<typeof prepareStopReportRepo>;
