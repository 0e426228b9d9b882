// The one door engine events come in by. It loads `app:snapshot` when the link comes up (at
// start and after every reconnect), holds back events that arrive while the snapshot is in
// flight and replays them on top of it (so a snapshot taken before an event cannot overwrite
// it), and applies each event to its slice. Live bars and fills skip React: they go to the chart.
import type { EventName, EventTypes, Snapshot } from '../engine/api/contract';
import type { ApiClient, ConnectionState } from './transport/connection';
import { chartFeed } from './chart/chartFeed';
import { labEventHandlers } from './lab/labEvents';
import { applyReconciliation } from './reconciliation/store';
import { useAccountStore } from './store/account';
import { applyAlertsSnapshot, raiseAlert } from './store/alerts';
import { useApprovalsStore } from './store/approvals';
import { mergeAudit, useAuditStore } from './store/audit';
import { chooseSymbol, useChartStore } from './store/chart';
import { useConnectionStore } from './store/connection';
import { applyStopProgress, useKillSwitchStore } from './store/killswitch';
import { ordersFromSnapshot, upsertOrder, useOrdersStore } from './store/orders';
import { usePositionsStore } from './store/positions';
import { useReadinessStore } from './store/readiness';
import { useSettingsStore } from './store/settings';
import { useSupervisorStore } from './store/supervisor';
import { pushToast } from './store/toasts';

export const AUDIT_INITIAL_LIMIT = 200;
export const SNAPSHOT_RETRY_MS = 2000;
/**
 * The window's events are applied to the slices at most once per this many ms: at full
 * simulator speed in autonomous mode the engine sends ~100 audit, order, position and account
 * events a second, each in its own message; applied one by one, each was a React render.
 * Applied together, a burst is one render. A person cannot see 16 ms.
 */
export const EVENT_FRAME_MS = 16;
/**
 * A frame that has gathered this many events is applied at once, without waiting for its timer,
 * so the queue stays bounded where timers are throttled (a hidden or minimized window).
 */
export const EVENT_FRAME_MAX = 500;

type EventHandlers = { [E in EventName]: (payload: EventTypes[E]) => void };

/** How each event changes the slices. A mapped type: a new event in the contract must be handled here. */
export const eventHandlers: EventHandlers = {
  'engine:status': (p) => {
    useKillSwitchStore.setState({ tradingState: p.tradingState });
    useSupervisorStore.setState({ mode: p.mode });
    useAccountStore.setState({ broker: p.broker });
  },
  'account:updated': (p) => useAccountStore.setState({ account: p }),
  'positions:updated': (p) => usePositionsStore.setState({ positions: p }),
  'orders:updated': (p) => useOrdersStore.setState((s) => upsertOrder(s, p)),
  'approvals:updated': (p) => useApprovalsStore.setState({ approvals: p }),
  'bars:tick': (p) => chartFeed.pushTicks(p.ticks),
  'fills:new': (p) => chartFeed.pushFill(p),
  'audit:appended': (p) => useAuditStore.setState((s) => ({ entries: mergeAudit(s.entries, [p]) })),
  'killswitch:progress': (p) => useKillSwitchStore.setState((s) => applyStopProgress(s, p)),
  'alerts:raised': (p) => raiseAlert(p),
  'reconcile:updated': (p) => applyReconciliation(p),
  'supervisor:auto_approve': (p) => useApprovalsStore.setState({ autoApproveRemaining: p.remaining }),
  'readiness:updated': (p) => useReadinessStore.setState({ items: p }),
  // the header shows equity from account:updated; no equity curve is drawn yet
  'equity:point': () => undefined,
  ...labEventHandlers,
};

/** Events that bypass the snapshot hold-back: they feed the chart, which loads its own history. */
const UNBUFFERED: ReadonlySet<EventName> = new Set<EventName>(['bars:tick', 'fills:new']);

/** Replace every slice with the snapshot's view of the engine. */
export function applySnapshot(snapshot: Snapshot, localNow: number): void {
  useAccountStore.setState({ account: snapshot.account, broker: snapshot.broker });
  useKillSwitchStore.setState({ tradingState: snapshot.tradingState, lastStop: snapshot.lastStop, lastDrill: snapshot.lastDrill });
  useSupervisorStore.setState({ mode: snapshot.mode });
  usePositionsStore.setState({ positions: snapshot.positions });
  useOrdersStore.setState(ordersFromSnapshot(snapshot.openOrders, snapshot.recentOrders));
  useApprovalsStore.setState({ approvals: snapshot.approvals, autoApproveRemaining: snapshot.autoApproveRemaining });
  applyAlertsSnapshot(snapshot.alerts);
  useReadinessStore.setState({ items: snapshot.readiness });
  useSettingsStore.setState({ settings: snapshot.settings });
  applyReconciliation(snapshot.reconciliation);
  useChartStore.setState((s) => ({
    instruments: snapshot.instruments,
    timeframe: snapshot.timeframe,
    selectedSymbol: chooseSymbol(s.selectedSymbol, snapshot.instruments, snapshot.settings),
    historyEpoch: s.historyEpoch + 1,
  }));
  useConnectionStore.setState({ serverClockOffsetMs: snapshot.serverTime - localNow, synced: true });
}

export interface BridgeOptions {
  now?: () => number;
  snapshotRetryMs?: number;
  /** apply events at most once per this many ms (the window passes EVENT_FRAME_MS); 0: each at once */
  eventFrameMs?: number;
}

/** Start applying the client's events to the slices; returns the stop function. */
export function startBridge(client: ApiClient, options: BridgeOptions = {}): () => void {
  const now = options.now ?? Date.now;
  const snapshotRetryMs = options.snapshotRetryMs ?? SNAPSHOT_RETRY_MS;
  const eventFrameMs = options.eventFrameMs ?? 0;
  let syncing = true;
  let held: (() => void)[] = [];
  /** events of the current frame, in arrival order, applied together by applyFrame */
  let frame: (() => void)[] = [];
  let frameTimer: ReturnType<typeof setTimeout> | null = null;
  let generation = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let failureShown = false;
  let stopped = false;

  /** Apply the frame's events in the order they came; React renders once for all of them. */
  function applyFrame(): void {
    if (frameTimer) clearTimeout(frameTimer);
    frameTimer = null;
    const due = frame;
    frame = [];
    for (const apply of due) {
      // one event a slice cannot take must not cost the others of its frame
      try {
        apply();
      } catch (e) {
        // a window bug, not an engine one: said where the user looks, details for the console
        console.error('applying an engine event to the window failed', e);
        pushToast('error', 'The window could not show an update', `${e instanceof Error ? e.message : String(e)}. Reload the window to see the current state.`);
      }
    }
  }

  function deliver<E extends EventName>(name: E, payload: EventTypes[E]): void {
    const apply = () => eventHandlers[name](payload);
    if (UNBUFFERED.has(name)) apply();
    else if (syncing) held.push(apply);
    else if (eventFrameMs <= 0) apply();
    else {
      frame.push(apply);
      if (frame.length >= EVENT_FRAME_MAX) applyFrame();
      else frameTimer ??= setTimeout(applyFrame, eventFrameMs);
    }
  }

  function subscribe<E extends EventName>(name: E): () => void {
    return client.on(name, (payload) => deliver(name, payload));
  }
  // the handler map's keys are exactly the contract's event names
  const unsubscribers = (Object.keys(eventHandlers) as EventName[]).map((name) => subscribe(name));

  async function loadAudit(gen: number): Promise<void> {
    const result = await client.request('audit:list', { limit: AUDIT_INITIAL_LIMIT });
    if (gen !== generation || stopped) return;
    if (result.ok) useAuditStore.setState((s) => ({ entries: mergeAudit(s.entries, result.value) }));
    else pushToast('error', 'Could not load the audit log', result.error.message);
  }

  async function loadSnapshot(): Promise<void> {
    const gen = ++generation;
    // events that came before this snapshot was asked for go under it, never on top of it
    applyFrame();
    syncing = true;
    held = [];
    const result = await client.request('app:snapshot', {});
    if (gen !== generation || stopped) return;
    if (!result.ok) {
      if (!failureShown) pushToast('error', 'Could not load the supervisor state', result.error.message);
      failureShown = true;
      if (client.connection.get().status === 'connected') {
        retryTimer = setTimeout(() => {
          retryTimer = null;
          if (client.connection.get().status === 'connected') void loadSnapshot();
        }, snapshotRetryMs);
      }
      return;
    }
    failureShown = false;
    applySnapshot(result.value, now());
    const replay = held;
    held = [];
    syncing = false;
    for (const apply of replay) apply();
    await loadAudit(gen);
  }

  let previous: ConnectionState['status'] | null = null;
  function onConnection(state: ConnectionState): void {
    useConnectionStore.setState({ connection: state });
    if (state.status === 'connected' && previous !== 'connected') void loadSnapshot();
    if (state.status !== 'connected') {
      // what came while the link was up is shown; whatever arrives before the next snapshot waits for it
      applyFrame();
      syncing = true;
      generation++;
      if (previous === 'connected') useConnectionStore.setState({ synced: false });
    }
    previous = state.status;
  }

  const unsubscribeConnection = client.connection.subscribe(onConnection);
  const unsubscribeProtocol = client.onProtocolError((e) => pushToast('error', 'Supervisor link error', e.message));
  onConnection(client.connection.get());

  return () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    if (frameTimer) clearTimeout(frameTimer);
    frame = [];
    unsubscribeConnection();
    unsubscribeProtocol();
    for (const u of unsubscribers) u();
  };
}
