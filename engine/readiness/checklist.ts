// The readiness checklist: each item computed from real state, with its evidence and how to fix it.
// On the built-in simulator nothing is gated; the list is shown for practice.
import type { ReadinessItem } from '../domain/types';
import type { EngineState } from '../context';
import type { BrokerEnvironment, BrokerStatus } from '../domain/types';
import { assertNever } from '../util/assert';
import { evidenceItems, type LabEvidence } from './evidence';
import { TIMEFRAME_MS, type Timeframe } from '../domain/types';

export interface ReadinessInputs {
  state: EngineState;
  /** the latest lab evidence of the enabled strategy (null when none was loaded) */
  evidence: LabEvidence | null;
  broker: BrokerStatus;
  now: number;
  /** wall-clock interval between live bars (simulator speed) */
  expectedBarIntervalMs: number;
  timeframe: Timeframe;
}

/** A drill older than this no longer counts as evidence. */
export const DRILL_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

const ago = (ms: number) => (ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

export function computeReadiness({ state, evidence, broker, now, expectedBarIntervalMs, timeframe }: ReadinessInputs): ReadinessItem[] {
  const items: ReadinessItem[] = [];
  items.push({
    id: 'broker_connected',
    label: 'Broker connected',
    status: broker.connected ? 'pass' : 'fail',
    evidence: `${broker.kind} (${broker.environment}): ${broker.connected ? 'connected' : 'disconnected'}${broker.message ? ` - ${broker.message}` : ''}`,
    fix: broker.connected ? '' : 'Check the connection settings and the network, then reconnect.',
  });
  const staleAfter = Math.max(5_000, expectedBarIntervalMs * 3);
  const age = state.lastBarAt === null ? null : now - state.lastBarAt;
  items.push({
    id: 'market_data_fresh',
    label: 'Market data fresh',
    status: age === null ? 'warn' : age <= staleAfter ? 'pass' : 'fail',
    evidence: age === null ? 'no live bar received yet' : `last ${timeframe} bar arrived ${ago(age)} ago (stale after ${ago(staleAfter)}; one bar every ${ago(Math.round(expectedBarIntervalMs))}, ${ago(TIMEFRAME_MS[timeframe])} of market time)`,
    fix: age !== null && age <= staleAfter ? '' : 'Wait for the feed, or check the market data connection.',
  });
  items.push(dataValidItem(state, now));
  const ts = state.tradingState;
  items.push({
    id: 'trading_state',
    label: 'Trading state active',
    status: ts.state === 'active' ? 'pass' : ts.state === 'reducing' ? 'warn' : 'fail',
    evidence: `${ts.state}${ts.latched ? ' (latched)' : ''}, set by ${ts.setBy} at ${new Date(ts.at).toISOString()}: ${ts.reason}`,
    fix: ts.state === 'halted' ? 'Re-arm the emergency stop with a reason once you know why it stopped.' : ts.state === 'reducing' ? 'Find the breaker that reduced trading, then re-arm.' : '',
  });
  const unresolved = state.reconciliation.filter((i) => i.resolution === null);
  items.push({
    id: 'reconciliation_clean',
    label: 'Reconciliation clean',
    status: unresolved.length === 0 ? 'pass' : 'fail',
    evidence:
      unresolved.length === 0
        ? `journal matches the broker (orders and positions)${state.reconciliation.length > 0 ? `; ${state.reconciliation.length} difference(s) resolved` : ''}`
        : unresolved.slice(0, 3).map((i) => i.description).join('; '),
    fix: unresolved.length === 0 ? '' : 'Open the Reconciliation screen and adopt, ignore or close each difference.',
  });
  const r = state.settings.risk;
  const riskOk = r.riskPerTradePct <= 0.02 && r.maxPositionNotionalPct <= 0.5 && r.maxOpenPositions <= 20 && r.drawdownHaltPct <= 0.3 && r.dailyLossReducePct <= 0.1;
  items.push({
    id: 'risk_limits_set',
    label: 'Risk limits set',
    status: riskOk ? 'pass' : 'warn',
    evidence: `risk ${(r.riskPerTradePct * 100).toFixed(1)}% per trade (stop ${r.stopAtrMultiple} x ATR), max position ${(r.maxPositionNotionalPct * 100).toFixed(0)}%, max ${r.maxOpenPositions} positions, gross ${(r.maxGrossExposurePct * 100).toFixed(0)}%, daily loss stop ${(r.dailyLossReducePct * 100).toFixed(0)}%, drawdown halt ${(r.drawdownHaltPct * 100).toFixed(0)}%`,
    fix: riskOk ? '' : 'Keep the max position <= 50%, <= 20 positions, the daily loss stop <= 10% and the drawdown halt <= 30%.',
  });
  const acct = state.brokerAccount;
  const active = acct !== null && !acct.tradingBlocked && (acct.status === null || acct.status.toUpperCase() === 'ACTIVE');
  items.push({
    id: 'account_active',
    label: 'Account active, trading not blocked',
    status: acct === null ? 'warn' : active ? 'pass' : 'fail',
    evidence: acct === null ? 'the account has not been read from the broker yet' : `account status ${acct.status ?? 'not given'}${acct.tradingBlocked ? ', TRADING BLOCKED by the broker' : ''} (read ${new Date(acct.checkedAt).toISOString()})`,
    fix: acct === null ? 'Check the broker connection.' : active ? '' : "Resolve the account's status with the broker (its dashboard says why).",
  });
  const keys = state.keyStorage;
  items.push({
    id: 'keys_encrypted',
    label: 'Keys stored encrypted',
    status: broker.kind === 'sim' || keys === null || keys.encrypted ? 'pass' : 'warn',
    evidence: broker.kind === 'sim' || keys === null ? 'the built-in simulator needs no keys' : keys.detail,
    fix: broker.kind === 'sim' || keys === null || keys.encrypted ? '' : 'Save the keys in the desktop app (encrypted by the OS keychain), or keep them only in the environment.',
  });
  const throttle = state.settings.risk.liveExposureCapPct;
  items.push({
    id: 'live_throttle_set',
    label: 'Live capital throttle set',
    status: throttle < 1 ? 'pass' : 'warn',
    evidence: `live exposure capped at ${(throttle * 100).toFixed(1)}% of equity${broker.environment === 'live' ? '' : ' (applies once the account is live)'}`,
    fix: throttle < 1 ? '' : 'Set the live capital throttle below 100% of equity (5% to start) in Settings.',
  });
  const drill = state.lastDrill;
  const drillAge = drill ? now - drill.requestedAt : null;
  const drillFresh = drillAge !== null && drillAge <= DRILL_MAX_AGE_MS;
  items.push({
    id: 'emergency_stop_tested',
    label: 'Emergency stop drill passed (7 days)',
    status: drill && drill.status === 'confirmed' && drillFresh ? 'pass' : drill && drill.status === 'failed' ? 'fail' : 'warn',
    evidence: drill
      ? `last drill ${new Date(drill.requestedAt).toISOString()}: ${drill.status}${drill.finishedAt !== null ? ` in ${drill.finishedAt - drill.requestedAt} ms` : ''}${drillFresh ? '' : ' (older than 7 days)'}`
      : 'no emergency-stop drill has been run on this account',
    fix: drill && drill.status === 'confirmed' && drillFresh ? '' : 'Run "Test emergency stop" (simulator or paper): it runs the whole stop sequence, records it and re-arms.',
  });
  const st = state.settings.strategy;
  items.push(...evidenceItems(evidence, state.settings.readiness, { id: st.id, params: { fast: st.fast, slow: st.slow } }));
  return items;
}

/** Items that must pass before autonomous mode on a paper account: the safety ones. */
export const PAPER_AUTONOMY_ITEMS = ['broker_connected', 'reconciliation_clean', 'risk_limits_set', 'emergency_stop_tested'] as const;

/**
 * What the checklist gates: on the built-in simulator nothing (the list is for practice); on a
 * paper account autonomous mode needs the safety items; on a live account trading at all, and
 * autonomous mode, need every item. Returns the blocking items (empty when allowed).
 */
export function blockingItems(items: ReadinessItem[], environment: BrokerEnvironment, purpose: 'autonomous' | 'trade'): ReadinessItem[] {
  switch (environment) {
    case 'simulated':
      return [];
    case 'paper':
      return purpose === 'autonomous' ? items.filter((i) => (PAPER_AUTONOMY_ITEMS as readonly string[]).includes(i.id) && i.status !== 'pass') : [];
    case 'live':
      return items.filter((i) => i.status !== 'pass');
    default:
      return assertNever(environment, 'broker environment');
  }
}

export function describeBlocking(items: ReadinessItem[]): string {
  return items.map((i) => `${i.label}: ${i.status} (${i.fix || i.evidence})`).join('; ');
}

/** Bars quarantined this recently still mark the feed as suspect. */
export const QUARANTINE_WARN_MS = 15 * 60_000;

/**
 * Quarantined bars are never traded on; recent bad prints warn (on a live account every item must
 * be green, so a damaged feed pauses new live entries). The first bar after a gap (a session open,
 * a feed outage) is quarantined too but is expected: it is counted, not warned about.
 */
function dataValidItem(state: EngineState, now: number): ReadinessItem {
  const q = state.dataQuarantine;
  const recent = q.recent.filter((r) => now - r.at <= QUARANTINE_WARN_MS && r.code !== 'gap');
  const bySymbol = new Map<string, number>();
  for (const r of recent) bySymbol.set(r.symbol, (bySymbol.get(r.symbol) ?? 0) + 1);
  const latest = recent[0];
  return {
    id: 'market_data_valid',
    label: 'Market data valid',
    status: latest ? 'warn' : 'pass',
    evidence: latest
      ? `bars quarantined in the last ${ago(QUARANTINE_WARN_MS)}: ${[...bySymbol].map(([s, n]) => `${s} ${n}${n >= 20 ? '+' : ''}`).join(', ')}; latest ${latest.symbol}: ${latest.reason} (${q.total} since start, none traded on)`
      : `every live bar passed validation${q.total > 0 ? ` recently (${q.total} quarantined since start, none traded on)` : ''}`,
    fix: latest ? 'Check the market data feed; the audit log lists each quarantined bar with its reason.' : '',
  };
}
