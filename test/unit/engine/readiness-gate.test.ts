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
