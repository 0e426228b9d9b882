// Pure reducers of the slices: what each event does to what the user sees.
import { describe, expect, it } from 'vitest';
import { dayPnl } from '../../../renderer/store/account';
import { msUntilExpiry, pendingApprovals } from '../../../renderer/store/approvals';
import { AUDIT_KEEP, mergeAudit } from '../../../renderer/store/audit';
import { chooseSymbol } from '../../../renderer/store/chart';
import { applyStopReport, tradingStateLabel } from '../../../renderer/store/killswitch';
import { emptyOrders, ordersFromSnapshot, upsertOrder } from '../../../renderer/store/orders';
import { openPositions } from '../../../renderer/store/positions';
import { overallReadiness } from '../../../renderer/store/readiness';
import type { AuditEntry, ReadinessItem } from '../../../engine/domain/types';
import { approval, order, position, settings, snapshot, stopReport, T0 } from './fixtures';

describe('orders slice', () => {
  it('moves an order from open to recent when it fills, and back never', () => {
    let s = upsertOrder(emptyOrders, order({ status: 'accepted', updatedAt: T0 }));
    expect(s.open).toHaveLength(1);
    s = upsertOrder(s, order({ status: 'filled', filledQty: 10, updatedAt: T0 + 2 }));
    expect(s.open).toHaveLength(0);
    expect(s.recent.map((o) => o.status)).toEqual(['filled']);
    // a late "accepted" event from before the fill must not reopen it
    s = upsertOrder(s, order({ status: 'accepted', updatedAt: T0 + 1 }));
    expect(s.open).toHaveLength(0);
    expect(s.recent).toHaveLength(1);
  });

  it('lists open orders newest first and bounds the recent list', () => {
    let s = emptyOrders;
    s = upsertOrder(s, order({ clientOrderId: 'old', createdAt: T0 }));
    s = upsertOrder(s, order({ clientOrderId: 'new', createdAt: T0 + 1 }));
    expect(s.open.map((o) => o.clientOrderId)).toEqual(['new', 'old']);
    for (let i = 0; i < 10; i++) s = upsertOrder(s, order({ clientOrderId: `r${i}`, status: 'canceled', updatedAt: T0 + i }), 3);
    expect(s.recent.map((o) => o.clientOrderId)).toEqual(['r9', 'r8', 'r7']);
  });

  it('takes a snapshot order as open when it appears in both of the snapshot lists', () => {
    const s = ordersFromSnapshot([order({ status: 'partially_filled' })], [order({ status: 'partially_filled' }), order({ clientOrderId: 'done', status: 'filled' })]);
    expect(s.open.map((o) => o.clientOrderId)).toEqual(['c-1']);
    expect(s.recent.map((o) => o.clientOrderId)).toEqual(['done']);
  });
});

describe('kill-switch slice', () => {
  it('lets progress of the same stop replace it, but not an older stop replace a newer one', () => {
    const newer = stopReport({ id: 's-2', requestedAt: T0 + 10, status: 'running' });
    expect(applyStopReport(newer, stopReport({ id: 's-2', requestedAt: T0 + 10, status: 'confirmed' })).status).toBe('confirmed');
    expect(applyStopReport(newer, stopReport({ id: 's-1', requestedAt: T0 })).id).toBe('s-2');
    expect(applyStopReport(null, newer)).toBe(newer);
  });

  it('names trading states with the exact words the header shows', () => {
    expect([tradingStateLabel('active'), tradingStateLabel('reducing'), tradingStateLabel('halted')]).toEqual(['Active', 'Reducing', 'Halted']);
  });
});

describe('approvals slice', () => {
  it('shows only pending approvals, oldest first', () => {
    const list = [
      approval({ id: 'late', createdAt: T0 + 5 }),
      approval({ id: 'done', status: 'approved' }),
      approval({ id: 'early', createdAt: T0 }),
    ];
    expect(pendingApprovals(list).map((a) => a.id)).toEqual(['early', 'late']);
  });

  it('counts down on the engine clock and stops at zero', () => {
    const a = approval({ expiresAt: T0 + 60_000 });
    // local clock 2 s behind the engine: 2 s less left than the local clock suggests
    expect(msUntilExpiry(a, T0, 2000)).toBe(58_000);
    expect(msUntilExpiry(a, T0 + 120_000, 0)).toBe(0);
  });
});

describe('other slices', () => {
  it('day P&L is equity against the day-start equity', () => {
    expect(dayPnl(snapshot().account)).toBe(1000);
  });

  it('shows only non-zero positions, by symbol', () => {
    const rows = openPositions([position({ symbol: 'MSFT' }), position({ symbol: 'AAPL' }), position({ symbol: 'TSLA', qty: 0 })]);
    expect(rows.map((p) => p.symbol)).toEqual(['AAPL', 'MSFT']);
  });

  it('merges audit records once per id, newest first, bounded', () => {
    const e = (id: number): AuditEntry => ({ id, at: T0, kind: 'signal', message: `m${id}`, data: null });
    expect(mergeAudit([e(1), e(3)], [e(2), e(3)]).map((x) => x.id)).toEqual([3, 2, 1]);
    const many = Array.from({ length: AUDIT_KEEP + 10 }, (_, i) => e(i + 1));
    const merged = mergeAudit([], many);
    expect(merged).toHaveLength(AUDIT_KEEP);
    expect(merged[0]?.id).toBe(AUDIT_KEEP + 10);
    // one newer record (audit:appended) on a full list: the oldest goes, the list stays bounded
    const appended = mergeAudit(merged, [e(AUDIT_KEEP + 11)]);
    expect(appended).toHaveLength(AUDIT_KEEP);
    expect(appended.map((x) => x.id)).toEqual([AUDIT_KEEP + 11, ...merged.slice(0, AUDIT_KEEP - 1).map((x) => x.id)]);
    // one record already held or older (a replay) is not added twice and lands in its place
    expect(mergeAudit([e(5), e(3)], [e(5)]).map((x) => x.id)).toEqual([5, 3]);
    expect(mergeAudit([e(5), e(3)], [e(4)]).map((x) => x.id)).toEqual([5, 4, 3]);
    expect(mergeAudit([], [e(7)]).map((x) => x.id)).toEqual([7]);
  });

  it('rates the readiness list by its worst item', () => {
    const item = (status: ReadinessItem['status']): ReadinessItem => ({ id: status, label: status, status, evidence: '', fix: '' });
    expect(overallReadiness([])).toBeNull();
    expect(overallReadiness([item('pass'), item('warn')])).toBe('warn');
    expect(overallReadiness([item('warn'), item('fail'), item('pass')])).toBe('fail');
    expect(overallReadiness([item('pass')])).toBe('pass');
  });

  it('keeps the chart symbol the user picked, else the strategy symbol, else the first instrument', () => {
    const instruments = snapshot().instruments;
    expect(chooseSymbol('AAPL', instruments, settings)).toBe('AAPL');
    expect(chooseSymbol('GONE', instruments, settings)).toBe('MSFT');
    expect(chooseSymbol(null, instruments, null)).toBe('AAPL');
    expect(chooseSymbol(null, [], settings)).toBeNull();
  });
});
