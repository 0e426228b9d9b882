// The bridge is the one door for engine events: these tests drive it with an in-memory client
// and read the zustand slices, as the components do.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, type BarTick } from '../../../engine/api/contract';
import type { Fill } from '../../../engine/domain/types';
import { EVENT_FRAME_MAX, startBridge } from '../../../renderer/bridge';
import { chartFeed } from '../../../renderer/chart/chartFeed';
import { useAccountStore } from '../../../renderer/store/account';
import { useApprovalsStore } from '../../../renderer/store/approvals';
import { useAuditStore } from '../../../renderer/store/audit';
import { useChartStore } from '../../../renderer/store/chart';
import { useConnectionStore } from '../../../renderer/store/connection';
import { useKillSwitchStore } from '../../../renderer/store/killswitch';
import { useOrdersStore } from '../../../renderer/store/orders';
import { usePositionsStore } from '../../../renderer/store/positions';
import { useSupervisorStore } from '../../../renderer/store/supervisor';
import { useToastsStore } from '../../../renderer/store/toasts';
import { deferred, FakeApiClient } from './fakeApiClient';
import { approval, bar, order, position, snapshot, stopReport, T0 } from './fixtures';

function resetSlices(): void {
  useAccountStore.setState({ account: null, broker: null });
  useApprovalsStore.setState({ approvals: [] });
  useAuditStore.setState({ entries: [] });
  useChartStore.setState({ instruments: [], timeframe: '1Min', selectedSymbol: null, historyEpoch: 0 });
  useKillSwitchStore.setState({ tradingState: null, lastStop: null });
  useOrdersStore.setState({ open: [], recent: [] });
  usePositionsStore.setState({ positions: [] });
  useSupervisorStore.setState({ mode: null });
  useToastsStore.setState({ toasts: [] });
  useConnectionStore.setState({ synced: false, serverClockOffsetMs: 0 });
}

function connectedClient(): FakeApiClient {
  const client = new FakeApiClient();
  client.respond('app:snapshot', () => ({ ok: true, value: snapshot() }));
  client.respond('audit:list', () => ({ ok: true, value: [{ id: 1, at: T0, kind: 'recovery', message: 'started', data: null }] }));
  return client;
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('bridge', () => {
  let stop: (() => void) | null = null;
  beforeEach(resetSlices);
  afterEach(() => {
    stop?.();
    stop = null;
    vi.useRealTimers();
  });

  it('loads app:snapshot and the audit log when the link comes up, filling every slice', async () => {
    const client = connectedClient();
    stop = startBridge(client, { now: () => T0 - 1500 });
    expect(client.calls).toHaveLength(0);
    client.setStatus('connected');
    await flush();
    expect(client.calls.map((c) => c.channel)).toEqual(['app:snapshot', 'audit:list']);
    expect(useAccountStore.getState().broker?.environment).toBe('simulated');
    expect(useKillSwitchStore.getState().tradingState?.state).toBe('active');
    expect(useSupervisorStore.getState().mode).toBe('manual');
    // the strategy's first symbol that exists is chosen for the chart
    expect(useChartStore.getState().selectedSymbol).toBe('MSFT');
    expect(useChartStore.getState().historyEpoch).toBe(1);
    expect(useConnectionStore.getState().serverClockOffsetMs).toBe(1500);
    expect(useConnectionStore.getState().synced).toBe(true);
    expect(useAuditStore.getState().entries.map((e) => e.id)).toEqual([1]);
  });

  it('applies engine events to their slices', async () => {
    const client = connectedClient();
    stop = startBridge(client);
    client.setStatus('connected');
    await flush();
    client.emit('engine:status', {
      tradingState: { state: 'halted', setBy: 'killswitch', reason: 'stop', at: T0, latched: true },
      mode: 'autonomous',
      broker: { kind: 'sim', environment: 'paper', connected: false, message: 'down' },
    });
    client.emit('orders:updated', order({ status: 'accepted' }));
    client.emit('positions:updated', [position()]);
    client.emit('approvals:updated', [approval()]);
    client.emit('killswitch:progress', stopReport({ status: 'confirmed' }));
    client.emit('audit:appended', { id: 2, at: T0, kind: 'killswitch', message: 'stopped', data: null });
    expect(useKillSwitchStore.getState().tradingState?.state).toBe('halted');
    expect(useSupervisorStore.getState().mode).toBe('autonomous');
    expect(useAccountStore.getState().broker?.environment).toBe('paper');
    expect(useOrdersStore.getState().open.map((o) => o.clientOrderId)).toEqual(['c-1']);
    expect(usePositionsStore.getState().positions).toHaveLength(1);
    expect(useApprovalsStore.getState().approvals).toHaveLength(1);
    expect(useKillSwitchStore.getState().lastStop?.status).toBe('confirmed');
    expect(useAuditStore.getState().entries.map((e) => e.id)).toEqual([2, 1]);
  });

  it('holds events that arrive while the snapshot is in flight and replays them on top of it', async () => {
    const client = new FakeApiClient();
    const pending = deferred<ReturnType<typeof snapshot>>();
    client.respond('app:snapshot', async () => ({ ok: true, value: await pending.promise }));
    client.respond('audit:list', () => ({ ok: true, value: [] }));
    stop = startBridge(client);
    client.setStatus('connected');
    // the snapshot was taken while the order was open; the fill event comes after it
    client.emit('orders:updated', order({ status: 'filled', filledQty: 10, updatedAt: T0 + 5 }));
    expect(useOrdersStore.getState().recent).toHaveLength(0);
    pending.resolve(snapshot({ openOrders: [order({ status: 'accepted', updatedAt: T0 })] }));
    await flush();
    const orders = useOrdersStore.getState();
    expect(orders.open).toHaveLength(0);
    expect(orders.recent.map((o) => o.status)).toEqual(['filled']);
  });

  it('reloads the snapshot after a reconnect and marks the slices unsynced while down', async () => {
    const client = connectedClient();
    stop = startBridge(client);
    client.setStatus('connected');
    await flush();
    client.setStatus('reconnecting');
    expect(useConnectionStore.getState().synced).toBe(false);
    expect(useConnectionStore.getState().connection.status).toBe('reconnecting');
    client.respond('app:snapshot', () => ({
      ok: true,
      value: snapshot({ tradingState: { state: 'halted', setBy: 'cli', reason: 'stopped from cli', at: T0, latched: true } }),
    }));
    client.setStatus('connected');
    await flush();
    expect(client.calls.filter((c) => c.channel === 'app:snapshot')).toHaveLength(2);
    expect(useKillSwitchStore.getState().tradingState?.state).toBe('halted');
    expect(useChartStore.getState().historyEpoch).toBe(2);
    expect(useConnectionStore.getState().synced).toBe(true);
  });

  it('shows a failed snapshot to the user and retries while connected', async () => {
    vi.useFakeTimers();
    const client = new FakeApiClient();
    let calls = 0;
    client.respond('app:snapshot', () =>
      ++calls === 1 ? { ok: false, error: { code: 'internal', message: 'store busy' } } : { ok: true, value: snapshot() },
    );
    client.respond('audit:list', () => ({ ok: true, value: [] }));
    stop = startBridge(client, { snapshotRetryMs: 1000 });
    client.setStatus('connected');
    await vi.advanceTimersByTimeAsync(0);
    expect(useToastsStore.getState().toasts.map((t) => t.message)).toEqual(['store busy']);
    expect(useConnectionStore.getState().synced).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(2);
    expect(useConnectionStore.getState().synced).toBe(true);
  });

  it('shows a failed audit load and protocol errors as toasts', async () => {
    const client = connectedClient();
    client.respond('audit:list', () => ({ ok: false, error: { code: 'internal', message: 'audit table locked' } }));
    stop = startBridge(client);
    client.setStatus('connected');
    await flush();
    client.emitProtocolError({ code: 'invalid_request', message: 'frame too big' });
    expect(useToastsStore.getState().toasts.map((t) => t.message)).toEqual(['audit table locked', 'frame too big']);
  });

  it('sends bar ticks and fills to the chart sink, not through the slices, even mid-snapshot', () => {
    const client = new FakeApiClient();
    client.respond('app:snapshot', () => new Promise(() => undefined));
    const ticks: BarTick[][] = [];
    const fills: Fill[] = [];
    const detach = chartFeed.attach({ applyTicks: (t) => ticks.push([...t]), addFill: (f) => fills.push(f) });
    stop = startBridge(client);
    client.setStatus('connected');
    client.emit('bars:tick', { timeframe: '1Min', ticks: [{ symbol: 'AAPL', bar: bar(0, 100) }] });
    client.emit('fills:new', { fillId: 'f1', clientOrderId: 'c-1', symbol: 'AAPL', side: 'buy', qty: 1, price: 100, commission: 0, time: T0 });
    detach();
    expect(ticks).toHaveLength(1);
    expect(fills.map((f) => f.fillId)).toEqual(['f1']);
  });

  describe('with an event frame (as the window runs it)', () => {
    const audit = (id: number) => ({ id, at: T0, kind: 'signal' as const, message: `m${id}`, data: null });
    /** a bridge with a 16 ms frame on fake timers, its snapshot loaded */
    async function framedBridge(): Promise<FakeApiClient> {
      vi.useFakeTimers();
      const client = connectedClient();
      stop = startBridge(client, { eventFrameMs: 16 });
      client.setStatus('connected');
      await vi.advanceTimersByTimeAsync(0);
      return client;
    }

    it('applies a burst of events together after the frame, in the order they came, in one task', async () => {
      const client = await framedBridge();
      let auditNotifications = 0;
      const unsubscribe = useAuditStore.subscribe(() => auditNotifications++);
      client.emit('orders:updated', order({ status: 'accepted', updatedAt: T0 + 1 }));
      for (let id = 2; id <= 40; id++) client.emit('audit:appended', audit(id));
      client.emit('orders:updated', order({ status: 'filled', filledQty: 10, updatedAt: T0 + 2 }));
      // nothing yet: the frame has not ended
      expect(useOrdersStore.getState().open).toHaveLength(0);
      expect(useAuditStore.getState().entries.map((e) => e.id)).toEqual([1]);
      await vi.advanceTimersByTimeAsync(16);
      unsubscribe();
      // in order: the fill came after the accept, so the order is finished, not open
      expect(useOrdersStore.getState().open).toHaveLength(0);
      expect(useOrdersStore.getState().recent.map((o) => o.status)).toEqual(['filled']);
      expect(useAuditStore.getState().entries.map((e) => e.id)).toEqual(Array.from({ length: 40 }, (_, i) => 40 - i));
      // all 39 came in the one timer task that ended the frame (React renders once per task)
      expect(auditNotifications).toBe(39);
    });

    it('applies a frame at once when it reaches EVENT_FRAME_MAX, so a throttled timer cannot let the queue grow', async () => {
      const client = await framedBridge();
      for (let id = 2; id < 2 + EVENT_FRAME_MAX; id++) client.emit('audit:appended', audit(id));
      // no timer has run: the cap applied them
      expect(useAuditStore.getState().entries[0]?.id).toBe(EVENT_FRAME_MAX + 1);
      client.emit('audit:appended', audit(EVENT_FRAME_MAX + 2));
      expect(useAuditStore.getState().entries[0]?.id).toBe(EVENT_FRAME_MAX + 1);
      await vi.advanceTimersByTimeAsync(16);
      expect(useAuditStore.getState().entries[0]?.id).toBe(EVENT_FRAME_MAX + 2);
    });

    it('applies what came before a link drop under the next snapshot, never on top of it', async () => {
      const client = await framedBridge();
      // an event of the old link, still in its frame when the link drops and comes back
      client.emit('engine:status', {
        tradingState: { state: 'active', setBy: 'user', reason: 'old', at: T0, latched: false },
        mode: 'manual',
        broker: { kind: 'sim', environment: 'simulated', connected: true, message: 'built-in simulator' },
      });
      client.setStatus('reconnecting');
      client.respond('app:snapshot', () => ({
        ok: true,
        value: snapshot({ tradingState: { state: 'halted', setBy: 'cli', reason: 'stopped from cli', at: T0 + 10, latched: true } }),
      }));
      client.setStatus('connected');
      await vi.advanceTimersByTimeAsync(50);
      expect(useKillSwitchStore.getState().tradingState?.state).toBe('halted');
    });

    it('an event a slice cannot take is reported and does not cost the rest of its frame', async () => {
      const client = await framedBridge();
      const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      client.emit('orders:updated', null as unknown as ReturnType<typeof order>);
      client.emit('audit:appended', audit(2));
      await vi.advanceTimersByTimeAsync(16);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(String(errors.mock.calls[0]?.[0])).toMatch(/applying an engine event/);
      errors.mockRestore();
      expect(useToastsStore.getState().toasts.map((t) => t.title)).toContain('The window could not show an update');
      expect(useAuditStore.getState().entries.map((e) => e.id)).toEqual([2, 1]);
    });

    it('drops a pending frame when stopped', async () => {
      const client = await framedBridge();
      client.emit('audit:appended', audit(2));
      stop?.();
      stop = null;
      await vi.advanceTimersByTimeAsync(50);
      expect(useAuditStore.getState().entries.map((e) => e.id)).toEqual([1]);
    });
  });

  it('subscribes to every event of the contract and unsubscribes all when stopped', () => {
    const client = connectedClient();
    const stopBridge = startBridge(client);
    expect(client.listenerCount()).toBe(EVENT_NAMES.length);
    stopBridge();
    expect(client.listenerCount()).toBe(0);
  });
});
