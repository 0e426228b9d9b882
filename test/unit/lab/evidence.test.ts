// The lab items of the readiness checklist at their boundaries: each threshold is met exactly
// and missed by a hair, and the caveats (no costs, other parameters, other strategy) downgrade a
// pass to a warning.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EVIDENCE_THRESHOLDS,
  evidenceItems,
  paperItems,
  type BacktestEvidence,
  type LabEvidence,
  type PaperRecord,
  type WalkForwardEvidence,
} from '../../../engine/readiness/evidence';
import type { ReadinessStatus } from '../../../engine/domain/types';

const backtest = (over: Partial<BacktestEvidence> = {}): BacktestEvidence => ({
  resultId: 'bt-1',
  name: 'SMA 10/20 on GOOG',
  createdAt: Date.UTC(2025, 0, 2),
  dataset: 'csv:GOOG',
  strategyId: 'sma-cross',
  params: { fast: 10, slow: 20 },
  afterCosts: true,
  costs: 'commission 0.2% of notional',
  sharpe: 1,
  maxDrawdown: 0.1,
  winRate: 0.5,
  trades: 94,
  ...over,
});

const walkForward = (over: Partial<WalkForwardEvidence> = {}): WalkForwardEvidence => ({
  resultId: 'wf-1',
  name: 'WF SMA',
  createdAt: Date.UTC(2025, 0, 3),
  dataset: 'csv:GOOG',
  strategyId: 'sma-cross',
  windows: 3,
  positiveWindows: 2,
  ...over,
});

const DAY = 86_400_000;
const PAPER_START = Date.UTC(2025, 2, 3);

/**
 * `days` UTC dates of paper equity (a point at 14:30 and 21:00 each) going from 100,000 to
 * 100,000 x (1 + paperReturn), beside a backtest curve that gains btReturn over the same span and
 * starts `btLead` ms before it (negative: it starts after the paper period does).
 */
function paper(days: number, paperReturn: number, btReturn: number | null, btLead = 10 * DAY): PaperRecord {
  const list = Array.from({ length: days }, (_, i) => {
    const t0 = PAPER_START + i * DAY;
    return { day: new Date(t0).toISOString().slice(0, 10), firstT: t0 + 14.5 * 3_600_000, first: 100_000, lastT: t0 + 21 * 3_600_000, last: 100_000 };
  });
  list[list.length - 1]!.last = 100_000 * (1 + paperReturn);
  const from = list[0]!.firstT;
  const to = list.at(-1)!.lastT;
  const curve = [
    { t: from - btLead, v: 9_000 },
    { t: from, v: 10_000 },
    { t: (from + to) / 2, v: 10_500 },
    { t: to, v: 10_000 * (1 + (btReturn ?? 0)) },
    { t: to + DAY, v: 12_345 },
  ];
  return { source: 'alpaca (paper)', days: list, backtest: btReturn === null ? null : { resultId: 'bt-1', name: 'SMA 10/20 on sim:AAPL', dataset: 'sim:AAPL', curve } };
}

const evidence = (bt: Partial<BacktestEvidence> = {}, wf: Partial<WalkForwardEvidence> = {}): LabEvidence => ({
  backtest: backtest(bt),
  walkForward: walkForward(wf),
  paper: paper(20, 0.05, 0.05),
});

function statusOf(latest: LabEvidence | null, id: string, enabled?: { id: string; params: Record<string, number> }): ReadinessStatus {
  const item = evidenceItems(latest, DEFAULT_EVIDENCE_THRESHOLDS, enabled).find((i) => i.id === id);
  if (!item) throw new Error(`no item ${id}`);
  return item.status;
}

describe('evidenceItems', () => {
  it('with no saved evidence every lab item fails and says how to get it', () => {
    const items = evidenceItems(null);
    expect(items.map((i) => [i.id, i.status])).toEqual([
      ['backtest_sharpe', 'fail'],
      ['backtest_drawdown', 'fail'],
      ['backtest_win_rate', 'fail'],
      ['backtest_trades', 'fail'],
      ['walk_forward_oos', 'fail'],
      ['paper_days', 'fail'],
      ['paper_vs_backtest', 'fail'],
    ]);
    for (const i of items.slice(0, 5)) expect(i.fix).toMatch(/Lab/);
    for (const i of items.slice(5)) expect(i.fix).toMatch(/paper account for at least 20 trading days/);
  });

  it('all thresholds met: every item passes, with the figures and the result named as evidence', () => {
    const items = evidenceItems(evidence());
    expect(items.every((i) => i.status === 'pass')).toBe(true);
    expect(items[0]!.evidence).toContain('Sharpe 1.00');
    expect(items[0]!.evidence).toContain('"SMA 10/20 on GOOG" on csv:GOOG');
    expect(items[4]!.evidence).toContain('2 of 3 windows');
  });

  it('Sharpe must be strictly above 0.5', () => {
    expect(statusOf(evidence({ sharpe: 0.5 }), 'backtest_sharpe')).toBe('fail');
    expect(statusOf(evidence({ sharpe: 0.5000001 }), 'backtest_sharpe')).toBe('pass');
    expect(statusOf(evidence({ sharpe: null }), 'backtest_sharpe')).toBe('fail');
  });

  it('max drawdown must be strictly below 20%', () => {
    expect(statusOf(evidence({ maxDrawdown: 0.2 }), 'backtest_drawdown')).toBe('fail');
    expect(statusOf(evidence({ maxDrawdown: 0.1999999 }), 'backtest_drawdown')).toBe('pass');
  });

  it('win rate passes from 40% to 60% inclusive, fails below, warns of overfitting above', () => {
    expect(statusOf(evidence({ winRate: 0.3999999 }), 'backtest_win_rate')).toBe('fail');
    expect(statusOf(evidence({ winRate: 0.4 }), 'backtest_win_rate')).toBe('pass');
    expect(statusOf(evidence({ winRate: 0.6 }), 'backtest_win_rate')).toBe('pass');
    expect(statusOf(evidence({ winRate: 0.6000001 }), 'backtest_win_rate')).toBe('warn');
    const warn = evidenceItems(evidence({ winRate: 0.7 })).find((i) => i.id === 'backtest_win_rate')!;
    expect(warn.fix).toMatch(/fitted/);
  });

  it('at least 30 trades: 30 passes, 29 fails', () => {
    expect(statusOf(evidence({ trades: 30 }), 'backtest_trades')).toBe('pass');
    expect(statusOf(evidence({ trades: 29 }), 'backtest_trades')).toBe('fail');
  });

  it('walk-forward: 2 of 3 windows meets the 2/3 threshold exactly, 1 of 3 and 5 of 8 do not', () => {
    expect(statusOf(evidence({}, { windows: 3, positiveWindows: 2 }), 'walk_forward_oos')).toBe('pass');
    expect(statusOf(evidence({}, { windows: 3, positiveWindows: 1 }), 'walk_forward_oos')).toBe('fail');
    expect(statusOf(evidence({}, { windows: 8, positiveWindows: 5 }), 'walk_forward_oos')).toBe('fail');
    expect(statusOf(evidence({}, { windows: 9, positiveWindows: 6 }), 'walk_forward_oos')).toBe('pass');
    expect(statusOf({ backtest: backtest(), walkForward: null }, 'walk_forward_oos')).toBe('fail');
  });

  it('a backtest without costs turns passes into warnings that say so', () => {
    const items = evidenceItems(evidence({ afterCosts: false, costs: 'no commission or slippage' }));
    const sharpe = items.find((i) => i.id === 'backtest_sharpe')!;
    expect(sharpe.status).toBe('warn');
    expect(sharpe.evidence).toMatch(/charged no commission or slippage/);
    // a failing figure stays a failure
    expect(statusOf(evidence({ afterCosts: false, trades: 3 }), 'backtest_trades')).toBe('fail');
  });

  it('evidence for other parameters or another strategy than the enabled one only warns', () => {
    const enabled = { id: 'sma-cross', params: { fast: 5, slow: 30 } };
    expect(statusOf(evidence(), 'backtest_sharpe', enabled)).toBe('warn');
    expect(statusOf(evidence(), 'backtest_sharpe', { id: 'sma-cross', params: { fast: 10, slow: 20 } })).toBe('pass');
    expect(statusOf(evidence({}, { strategyId: 'macd-trend' }), 'walk_forward_oos', { id: 'sma-cross', params: { fast: 10, slow: 20 } })).toBe('warn');
  });

  it('thresholds are a parameter: a stricter Sharpe bar fails what the default passes', () => {
    const strict = { ...DEFAULT_EVIDENCE_THRESHOLDS, minSharpe: 1.5 };
    expect(evidenceItems(evidence({ sharpe: 1 }), strict).find((i) => i.id === 'backtest_sharpe')!.status).toBe('fail');
  });

  describe('paper trading', () => {
    const item = (p: PaperRecord | null, id: string, thresholds = DEFAULT_EVIDENCE_THRESHOLDS) => {
      const found = paperItems(p, thresholds, { id: 'sma-cross', params: { fast: 10, slow: 20 } }).find((i) => i.id === id);
      if (!found) throw new Error(`no item ${id}`);
      return found;
    };

    it('needs at least 20 trading days: 19 fails (saying how many more), 20 passes', () => {
      const nineteen = item(paper(19, 0, 0), 'paper_days');
      expect(nineteen.status).toBe('fail');
      expect(nineteen.evidence).toBe('19 trading days with equity recorded on alpaca (paper), 2025-03-03 to 2025-03-21');
      expect(nineteen.fix).toMatch(/1 more trading day/);
      expect(item(paper(20, 0, 0), 'paper_days').status).toBe('pass');
      // the threshold is a setting
      expect(item(paper(20, 0, 0), 'paper_days', { ...DEFAULT_EVIDENCE_THRESHOLDS, minPaperDays: 21 }).status).toBe('fail');
    });

    it('paper return within 5 pp of the backtest over the same period: 4.9 and 5.0 pass, 5.1 fails', () => {
      const at = (btReturn: number) => item(paper(20, 0.1, btReturn), 'paper_vs_backtest');
      expect(at(0.051).status).toBe('pass');
      expect(at(0.05).status).toBe('pass');
      const off = at(0.049);
      expect(off.status).toBe('fail');
      expect(off.evidence).toBe('paper 10% vs backtest 4.9% ("SMA 10/20 on sim:AAPL") over 2025-03-03 to 2025-03-22: 5.1 pp apart');
      expect(off.fix).not.toBe('');
      // either direction counts, and the tolerance is a setting
      expect(item(paper(20, 0.1, 0.151), 'paper_vs_backtest').status).toBe('fail');
      expect(item(paper(20, 0.1, 0.049), 'paper_vs_backtest', { ...DEFAULT_EVIDENCE_THRESHOLDS, maxPaperDeviationPp: 5.2 }).status).toBe('pass');
    });

    it('a backtest that does not cover the paper period, or none, warns and says how to fix it', () => {
      const late = item(paper(20, 0.1, 0.1, -DAY), 'paper_vs_backtest');
      expect(late.status).toBe('warn');
      expect(late.evidence).toMatch(/does not cover that period/);
      expect(late.fix).toBe('Run a backtest of sma-cross in the Lab on data covering the paper period (2025-03-03 to 2025-03-22).');
      const none = item(paper(20, 0.1, null), 'paper_vs_backtest');
      expect(none.status).toBe('warn');
      expect(none.fix).toMatch(/covering the paper period/);
    });

    it('with no equity recorded both items fail', () => {
      expect(item({ source: 'sim (simulated)', days: [], backtest: null }, 'paper_days').status).toBe('fail');
      expect(item({ source: 'sim (simulated)', days: [], backtest: null }, 'paper_vs_backtest').status).toBe('fail');
    });
  });
});
