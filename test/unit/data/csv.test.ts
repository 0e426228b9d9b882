// OHLCV CSV parsing: real files parse cleanly; every kind of bad line is reported with its line
// number and refused, or dropped/reordered (and still reported) when repair is asked for.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseOhlcvCsv, parseTimestamp, type CsvIssueKind } from '../../../engine/data/csv';
import { sharedCsvPath, sharedDataAvailable } from './sharedData';

const HEADER = ',Open,High,Low,Close,Volume';
const ok1 = '2024-01-02,10,11,9,10.5,100';
const ok2 = '2024-01-03,10.5,12,10,11,200';
const ok3 = '2024-01-04,11,11.5,10.5,11.2,150';
const csv = (...lines: string[]): string => [HEADER, ...lines].join('\n');

const have = sharedDataAvailable('CSV parsing of the shared data files');

describe.skipIf(!have)('real data files', () => {
  it.each([
    ['GOOG', 2148, 0],
    ['BTCUSD', 156, 0],
  ])('%s.csv parses into %i bars with no issues', (name, bars, issues) => {
    const r = parseOhlcvCsv(readFileSync(sharedCsvPath(name), 'utf8'));
    expect(r.ok && r.bars.length).toBe(bars);
    expect(r.issues.length).toBe(issues);
  });

  it('EURUSD.csv (hourly) parses, and its weekend closures are reported as gaps, not hidden', () => {
    const r = parseOhlcvCsv(readFileSync(sharedCsvPath('EURUSD'), 'utf8'));
    expect(r.ok && r.bars.length).toBe(5000);
    expect(r.issues.length).toBeGreaterThan(30);
    expect(r.issues.every((i) => i.kind === 'gap' && i.action === 'reported')).toBe(true);
    expect(r.issues[0]!.message).toMatch(/^line 62: gap of 49 hour\(s\) since the previous bar \(line 61\)/);
  });
});

describe('parseOhlcvCsv', () => {
  it('parses bars with times in UTC, header names in any case and order after the timestamp, extra columns ignored', () => {
    const r = parseOhlcvCsv('Date,volume,CLOSE,low,High,open,Adj Close\n2024-01-02,100,10.5,9,11,10,1\n2024-01-03 15:30,200,11,10,12,10.5,1\r\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.bars).toEqual([
      { t: Date.UTC(2024, 0, 2), o: 10, h: 11, l: 9, c: 10.5, v: 100 },
      { t: Date.UTC(2024, 0, 3, 15, 30), o: 10.5, h: 12, l: 10, c: 11, v: 200 },
    ]);
  });

  it('refuses a header without the price columns, naming the missing ones', () => {
    const r = parseOhlcvCsv('time,open,high,close\n2024-01-02,1,2,1.5');
    expect(r.ok).toBe(false);
    expect(r.issues[0]).toMatchObject({ line: 1, kind: 'missing_column' });
    expect(r.issues[0]!.message).toMatch(/missing column\(s\) low, volume/);
  });

  it.each<[string, string, CsvIssueKind, RegExp]>([
    ['unparsable number', '2024-01-03,10.5,12,10,1O.9,200', 'unparsable_number', /line 3: close "1O.9" is not a number/],
    ['NaN', '2024-01-03,10.5,12,10,NaN,200', 'not_a_number', /line 3: close is "NaN", not a finite number/],
    ['empty value', '2024-01-03,10.5,,10,11,200', 'missing_value', /line 3: high is empty/],
    ['zero price', '2024-01-03,0,12,10,11,200', 'non_positive_price', /line 3: price\(s\) o=0 must be greater than zero/],
    ['negative price', '2024-01-03,10.5,12,-10,11,200', 'non_positive_price', /l=-10/],
    ['high below low', '2024-01-03,10.5,9,10,9.5,200', 'high_below_low', /line 3: high 9 is below low 10/],
    ['close outside range', '2024-01-03,10.5,12,10,13,200', 'price_outside_range', /line 3: open 10.5 or close 13 lies outside low..high 10..12/],
    ['negative volume', '2024-01-03,10.5,12,10,11,-1', 'negative_volume', /line 3: volume -1 is negative/],
    ['bad timestamp', '2024-13-03,10.5,12,10,11,200', 'bad_timestamp', /line 3: timestamp "2024-13-03" is not a date/],
    ['missing field', '2024-01-03,10.5,12,10,11', 'wrong_field_count', /line 3: 5 fields, the header has 6/],
  ])('%s: refused with the line reported; with repair the line is dropped and reported', (_name, line, kind, message) => {
    const text = csv(ok1, line, ok3);
    const refused = parseOhlcvCsv(text);
    expect(refused.ok).toBe(false);
    expect(refused.issues).toEqual([{ line: 3, kind, message: expect.stringMatching(message), action: 'refused' }]);
    if (!refused.ok) expect(refused.message).toMatch(/ask for repair/);

    const repaired = parseOhlcvCsv(text, { repair: true });
    expect(repaired.ok && repaired.bars.map((b) => b.c)).toEqual([10.5, 11.2]);
    expect(repaired.issues).toEqual([{ line: 3, kind, message: expect.stringMatching(message), action: 'dropped' }]);
  });

  it('duplicate timestamps are refused; repair keeps the first and reports the dropped line', () => {
    const text = csv(ok1, ok2, '2024-01-03,10.6,12,10,11.1,200', ok3);
    const r = parseOhlcvCsv(text);
    expect(r.ok).toBe(false);
    expect(r.issues[0]).toMatchObject({ line: 4, kind: 'duplicate_timestamp', action: 'refused' });
    expect(r.issues[0]!.message).toMatch(/already on line 3/);
    const fixed = parseOhlcvCsv(text, { repair: true });
    expect(fixed.ok && fixed.bars.map((b) => b.c)).toEqual([10.5, 11, 11.2]);
  });

  it('out-of-order rows are refused; repair sorts them and reports each moved line', () => {
    const text = csv(ok1, ok3, ok2);
    const r = parseOhlcvCsv(text);
    expect(r.issues).toEqual([expect.objectContaining({ line: 4, kind: 'out_of_order', action: 'refused' })]);
    const fixed = parseOhlcvCsv(text, { repair: true });
    expect(fixed.ok && fixed.bars.map((b) => b.t)).toEqual([Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3), Date.UTC(2024, 0, 4)]);
    expect(fixed.issues[0]!.action).toBe('reordered');
  });

  it('a gap (more than 5x the usual spacing) is reported on its line, and refused when asked', () => {
    const text = csv(ok1, ok2, ok3, '2024-01-05,11,11.5,10.5,11.2,150', '2024-02-20,11,11.5,10.5,11.2,150');
    const r = parseOhlcvCsv(text);
    expect(r.ok).toBe(true);
    expect(r.issues).toEqual([{ line: 6, kind: 'gap', message: expect.stringMatching(/gap of 46 day\(s\) since the previous bar \(line 5\), more than 5x the usual 1 day\(s\)/), action: 'reported' }]);
    expect(parseOhlcvCsv(text, { refuseGaps: true }).ok).toBe(false);
  });

  it('an empty file or a header alone is refused', () => {
    expect(parseOhlcvCsv('').ok).toBe(false);
    const r = parseOhlcvCsv(HEADER + '\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/no usable rows/);
  });
});

describe('parseTimestamp', () => {
  it.each([
    ['2024-01-02', Date.UTC(2024, 0, 2)],
    ['2024-01-02 09:30:00', Date.UTC(2024, 0, 2, 9, 30)],
    ['2024-01-02T09:30:00Z', Date.UTC(2024, 0, 2, 9, 30)],
    ['2024-01-02T09:30:00-05:00', Date.UTC(2024, 0, 2, 14, 30)],
    ['1704153600', Date.UTC(2024, 0, 2)],
    ['1704153600000', Date.UTC(2024, 0, 2)],
  ])('%s -> %i', (s, t) => expect(parseTimestamp(s)).toBe(t));

  it.each(['2024-02-30', '02/01/2024', 'yesterday', '2024-01-02 25:00'])('%s is not a timestamp', (s) => expect(parseTimestamp(s)).toBeNull());
});
