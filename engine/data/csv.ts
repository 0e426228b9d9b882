// OHLCV CSV -> Bar[] with validation. A pure function over the file's text (the caller reads
// the file). Every problem is reported with its line number; the data is refused unless the
// caller asked for repair, and a repair (dropping, de-duplicating, re-ordering rows) is
// itself reported line by line. Gaps in time cannot be repaired honestly (inventing bars would
// fabricate prices), so they are always reported and refused only when asked.
import type { Bar } from '../domain/types';

export type CsvIssueKind =
  | 'missing_column'
  | 'wrong_field_count'
  | 'bad_timestamp'
  | 'missing_value'
  | 'unparsable_number'
  | 'not_a_number'
  | 'non_positive_price'
  | 'negative_volume'
  | 'high_below_low'
  | 'price_outside_range'
  | 'duplicate_timestamp'
  | 'out_of_order'
  | 'gap';

export interface CsvIssue {
  /** 1-based line number in the file (the header is line 1) */
  line: number;
  kind: CsvIssueKind;
  message: string;
  /** what was done about it */
  action: 'refused' | 'dropped' | 'reordered' | 'reported';
}

export interface CsvParseOptions {
  /** drop bad rows and duplicates and sort out-of-order rows instead of refusing (default false) */
  repair?: boolean;
  /** a gap is an interval longer than gapFactor x the median interval (default 5) */
  gapFactor?: number;
  /** refuse data with gaps instead of reporting them (default false) */
  refuseGaps?: boolean;
}

export type CsvParseResult =
  | { ok: true; bars: Bar[]; issues: CsvIssue[] }
  | { ok: false; message: string; issues: CsvIssue[] };

const COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Timestamps: ISO date or date-time (UTC unless an offset is given) or epoch seconds/milliseconds. */
export function parseTimestamp(s: string): number | null {
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  const m = DATE_TIME.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
  let t = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +sec, frac ? Math.round(Number(frac) * 1000) : 0);
  const check = new Date(t);
  if (check.getUTCDate() !== +d! || check.getUTCMonth() !== +mo! - 1 || +h > 23 || +mi > 59 || +sec > 59) return null;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}

const unquote = (s: string): string => {
  const x = s.trim();
  return x.length >= 2 && x.startsWith('"') && x.endsWith('"') ? x.slice(1, -1).trim() : x;
};

interface Row {
  line: number;
  bar: Bar;
}

export function parseOhlcvCsv(text: string, options: CsvParseOptions = {}): CsvParseResult {
  const repair = options.repair ?? false;
  const gapFactor = options.gapFactor ?? 5;
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').split(',').map((h) => unquote(h).toLowerCase());
  const index: Record<string, number> = {};
  const missing: string[] = [];
  for (const c of COLUMNS) {
    const i = header.indexOf(c, 1);
    if (i < 0) missing.push(c);
    else index[c] = i;
  }
  if (lines.length === 0 || header.length < 2 || missing.length > 0) {
    const issue: CsvIssue = {
      line: 1,
      kind: 'missing_column',
      message: `header is missing column(s) ${missing.join(', ')}: the first line must name the timestamp column then Open, High, Low, Close, Volume (any case); found "${lines[0] ?? ''}"`,
      action: 'refused',
    };
    return { ok: false, message: issue.message, issues: [issue] };
  }

  const issues: CsvIssue[] = [];
  const errorAction = repair ? 'dropped' : 'refused';
  let rows: Row[] = [];
  for (let n = 1; n < lines.length; n++) {
    const raw = lines[n]!;
    if (raw.trim() === '') continue;
    const line = n + 1;
    const bad = (kind: CsvIssueKind, message: string): void => {
      issues.push({ line, kind, message, action: errorAction });
    };
    const fields = raw.split(',').map(unquote);
    if (fields.length !== header.length) {
      bad('wrong_field_count', `line ${line}: ${fields.length} fields, the header has ${header.length}`);
      continue;
    }
    const t = parseTimestamp(fields[0]!);
    if (t === null) {
      bad('bad_timestamp', `line ${line}: timestamp "${fields[0]}" is not a date (YYYY-MM-DD[ HH:MM[:SS]]) or epoch number`);
      continue;
    }
    const v: Partial<Record<(typeof COLUMNS)[number], number>> = {};
    let rowOk = true;
    for (const c of COLUMNS) {
      const s = fields[index[c]!]!;
      if (s === '') {
        bad('missing_value', `line ${line}: ${c} is empty`);
        rowOk = false;
      } else if (/^[+-]?(nan|inf|infinity)$/i.test(s)) {
        bad('not_a_number', `line ${line}: ${c} is "${s}", not a finite number`);
        rowOk = false;
      } else if (!NUMBER.test(s)) {
        bad('unparsable_number', `line ${line}: ${c} "${s}" is not a number`);
        rowOk = false;
      } else {
        v[c] = Number(s);
      }
    }
    if (!rowOk) continue;
    const bar: Bar = { t, o: v.open!, h: v.high!, l: v.low!, c: v.close!, v: v.volume! };
    const nonPositive = (['o', 'h', 'l', 'c'] as const).filter((k) => !(bar[k] > 0));
    if (nonPositive.length > 0) {
      bad('non_positive_price', `line ${line}: price(s) ${nonPositive.map((k) => `${k}=${bar[k]}`).join(', ')} must be greater than zero`);
      continue;
    }
    if (bar.v < 0) {
      bad('negative_volume', `line ${line}: volume ${bar.v} is negative`);
      continue;
    }
    if (bar.h < bar.l) {
      bad('high_below_low', `line ${line}: high ${bar.h} is below low ${bar.l}`);
      continue;
    }
    if (bar.o > bar.h || bar.o < bar.l || bar.c > bar.h || bar.c < bar.l) {
      bad('price_outside_range', `line ${line}: open ${bar.o} or close ${bar.c} lies outside low..high ${bar.l}..${bar.h}`);
      continue;
    }
    rows.push({ line, bar });
  }

  rows = orderRows(rows, issues, repair);
  reportGaps(rows, issues, gapFactor, options.refuseGaps ?? false);

  const refused = issues.filter((i) => i.action === 'refused');
  if (refused.length > 0) {
    return {
      ok: false,
      message: `refused: ${refused.length} problem(s) in the CSV, first: ${refused[0]!.message}. Fix the file, or ask for repair to drop/reorder the affected lines.`,
      issues,
    };
  }
  if (rows.length === 0) {
    return { ok: false, message: 'the CSV has no usable rows of data', issues };
  }
  return { ok: true, bars: rows.map((r) => r.bar), issues };
}

/** duplicates and out-of-order rows: refused, or (repair) sorted and the later duplicate dropped */
function orderRows(rows: Row[], issues: CsvIssue[], repair: boolean): Row[] {
  let maxT = -Infinity;
  let maxLine = 0;
  const seen = new Map<number, number>();
  const keep: Row[] = [];
  for (const r of rows) {
    const first = seen.get(r.bar.t);
    if (first !== undefined) {
      issues.push({
        line: r.line,
        kind: 'duplicate_timestamp',
        message: `line ${r.line}: timestamp ${new Date(r.bar.t).toISOString()} already on line ${first}`,
        action: repair ? 'dropped' : 'refused',
      });
      continue;
    }
    seen.set(r.bar.t, r.line);
    if (r.bar.t < maxT) {
      issues.push({
        line: r.line,
        kind: 'out_of_order',
        message: `line ${r.line}: timestamp ${new Date(r.bar.t).toISOString()} comes before line ${maxLine}'s`,
        action: repair ? 'reordered' : 'refused',
      });
    } else {
      maxT = r.bar.t;
      maxLine = r.line;
    }
    keep.push(r);
  }
  return repair ? keep.sort((a, b) => a.bar.t - b.bar.t) : keep;
}

function reportGaps(rows: Row[], issues: CsvIssue[], gapFactor: number, refuse: boolean): void {
  if (rows.length < 3) return;
  const intervals = new Float64Array(rows.length - 1);
  for (let i = 1; i < rows.length; i++) intervals[i - 1] = rows[i]!.bar.t - rows[i - 1]!.bar.t;
  const median = Float64Array.from(intervals).sort()[intervals.length >> 1]!;
  if (!(median > 0)) return;
  for (let i = 1; i < rows.length; i++) {
    const dt = intervals[i - 1]!;
    if (dt > gapFactor * median) {
      const r = rows[i]!;
      issues.push({
        line: r.line,
        kind: 'gap',
        message: `line ${r.line}: gap of ${fmtDuration(dt)} since the previous bar (line ${rows[i - 1]!.line}), more than ${gapFactor}x the usual ${fmtDuration(median)}`,
        action: refuse ? 'refused' : 'reported',
      });
    }
  }
}

function fmtDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day(s)`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hour(s)`;
  return `${Math.round(ms / 60_000)} minute(s)`;
}
