import { describe, expect, it } from 'vitest';
import type { ReadinessItem } from '../../../engine/domain/types';
import { blockingItems, PAPER_AUTONOMY_ITEMS } from '../../../engine/readiness/checklist';

const item = (id: string, status: ReadinessItem['status']): ReadinessItem => ({ id, label: id, status, evidence: '', fix: `fix ${id}` });
const all = (status: ReadinessItem['status']) => [...PAPER_AUTONOMY_ITEMS.map((id) => item(id, 'pass')), item('backtest_sharpe', status), item('market_data_fresh', status)];

describe('what the readiness checklist gates', () => {
  it('the simulator: nothing, ever', () => {
    expect(blockingItems([item('broker_connected', 'fail')], 'simulated', 'autonomous')).toEqual([]);
  });
  it('paper: autonomous mode needs the safety items; the evidence items do not block it', () => {
    expect(blockingItems(all('fail'), 'paper', 'autonomous')).toEqual([]);
    const noDrill = [...all('pass').filter((i) => i.id !== 'emergency_stop_tested'), item('emergency_stop_tested', 'warn')];
    expect(blockingItems(noDrill, 'paper', 'autonomous').map((i) => i.id)).toEqual(['emergency_stop_tested']);
    expect(blockingItems(noDrill, 'paper', 'trade')).toEqual([]);
  });
  it('live: trading at all and autonomous mode need every item green; a warning blocks too', () => {
    expect(blockingItems(all('warn'), 'live', 'trade').map((i) => i.id)).toEqual(['backtest_sharpe', 'market_data_fresh']);
    expect(blockingItems(all('pass'), 'live', 'autonomous')).toEqual([]);
  });
});

describe('the keys item on a real broker', () => {
  it('warns for keys in a plain file and passes for encrypted ones', async () => {
    const { computeReadiness } = await import('../../../engine/readiness/checklist');
    const { defaultSettings } = await import('../../../engine/defaults');
    const base = {
      settings: defaultSettings(['AAPL']), tradingState: { state: 'active' as const, setBy: 'system' as const, reason: '', at: 0, latched: false }, mode: 'manual' as const,
      account: { cash: 1, equity: 1, buyingPower: 1, dayStartEquity: 1, peakEquity: 1, updatedAt: 0 }, positions: new Map(), openOrders: new Map(), approvals: new Map(),
      instruments: new Map(), lastStop: null, lastDrill: null, reconciliation: [], lastBarAt: null, dataQuarantine: { total: 0, recent: [] }, recentOrderTimes: [], brokerAccount: null,
    };
    const broker = { kind: 'alpaca' as const, environment: 'paper' as const, connected: true, message: '' };
    const run = (keyStorage: { encrypted: boolean; detail: string }) =>
      computeReadiness({ state: { ...base, keyStorage }, evidence: null, broker, now: 0, expectedBarIntervalMs: 60_000, timeframe: '1Min' }).find((i) => i.id === 'keys_encrypted');
    expect(run({ encrypted: false, detail: 'keys in a 0600 file' })).toMatchObject({ status: 'warn', evidence: 'keys in a 0600 file' });
    expect(run({ encrypted: true, detail: 'keys encrypted with the system keychain' })?.status).toBe('pass');
  });
});
