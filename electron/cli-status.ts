// `cli status`: the persisted state of a data directory, read through the store's read-only
// open (WAL readers never block the running app's writer, and nothing is written).
import type { Approval, OrderRecord, Position, StopReport, TradingStateRecord } from '../engine/domain/types';
import type { RestoredState } from '../engine/ports';
import type { LockInfo } from './runtime-lock';

/** The process that holds the data directory's lock, as status shows it (never its control token). */
export type RunningApp = Pick<LockInfo, 'pid' | 'host' | 'startedAt'>;

export interface StatusReport {
  dataDir: string;
  /** null in a fresh database that has never recorded a trading state */
  tradingState: TradingStateRecord | null;
  latched: boolean;
  /** the app always starts in manual mode; autonomous mode is never resumed after a restart */
  mode: 'manual';
  positions: Position[];
  openOrders: OrderRecord[];
  pendingApprovals: Approval[];
  account: RestoredState['account'];
  lastStop: StopReport | null;
  /** the live holder of the data directory's lock: null when nothing runs on it */
  runningApp: RunningApp | null;
}

export function statusReport(dataDir: string, restored: RestoredState, running: LockInfo | null = null): StatusReport {
  return {
    dataDir,
    tradingState: restored.tradingState,
    latched: restored.tradingState?.latched ?? false,
    mode: 'manual',
    // flat rows only carry realized P&L; the status lists what is held
    positions: restored.positions.filter((p) => p.qty !== 0),
    openOrders: restored.openOrders,
    pendingApprovals: restored.pendingApprovals,
    account: restored.account,
    lastStop: restored.lastStop,
    runningApp: running === null ? null : { pid: running.pid, host: running.host, startedAt: running.startedAt },
  };
}

const iso = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString());
const money = (n: number): string =>
  n.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const qty = (n: number): string => (n > 0 ? `+${n}` : String(n));

function section<T>(title: string, rows: T[], line: (row: T) => string): string[] {
  if (rows.length === 0) return [`${title}: none`];
  return [`${title} (${rows.length}):`, ...rows.map((r) => `  ${line(r)}`)];
}

export function formatStatus(r: StatusReport): string {
  const ts = r.tradingState;
  const state = ts
    ? `${ts.state.toUpperCase()}${ts.latched ? ' (latched: re-arm with a reason to trade again)' : ''}\n` +
      `               set by ${ts.setBy} at ${iso(ts.at)}: ${ts.reason}`
    : 'not recorded yet (a fresh database; the engine starts active unless told otherwise)';
  const lines = [
    `Trading Supervisor data in ${r.dataDir}`,
    r.runningApp
      ? `Running:       ${r.runningApp.host} (pid ${r.runningApp.pid}) since ${iso(r.runningApp.startedAt)}; stop it with: npm run cli -- stop --data-dir ${r.dataDir}`
      : 'Running:       nothing runs on this data directory now',
    `Trading state: ${state}`,
    `Mode:          manual (the app always starts in manual mode)`,
    r.account
      ? `Account:       equity ${money(r.account.equity)}, cash ${money(r.account.cash)}, buying power ${money(r.account.buyingPower)} (at ${iso(r.account.updatedAt)})`
      : 'Account:       no snapshot yet',
    ...section('Positions', r.positions, (p) => `${p.symbol.padEnd(10)} ${qty(p.qty).padStart(12)} @ ${p.avgEntryPrice}  realized ${money(p.realizedPnl)}`),
    ...section(
      'Open orders',
      r.openOrders,
      (o) =>
        `${o.clientOrderId}  ${o.side} ${o.qty} ${o.symbol} ${o.type}${o.limitPrice !== null ? ` @ ${o.limitPrice}` : ''}  ${o.status}` +
        `${o.filledQty > 0 ? ` (filled ${o.filledQty})` : ''}  since ${iso(o.createdAt)}`,
    ),
    ...section(
      'Pending approvals',
      r.pendingApprovals,
      (a) => `${a.id}  ${a.intent.side} ${a.intent.qty} ${a.intent.symbol}  expires ${iso(a.expiresAt)}  ${a.intent.reason}`,
    ),
    r.lastStop
      ? `Last emergency stop: ${r.lastStop.status} (from ${r.lastStop.source}${r.lastStop.flatten ? ', with flatten' : ''}) at ${iso(r.lastStop.requestedAt)}`
      : 'Last emergency stop: never',
  ];
  return lines.join('\n');
}
