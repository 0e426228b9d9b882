// Shared set-up for the broker and network fault suites: the real runtime (engine + SQLite store +
// Alpaca adapters over the SDK) against the emulator, and the two checks every suite ends with:
// - consistent(): the journal agrees with the emulator (open orders by client_order_id, positions,
//   one journal intent per emulator order and one emulator order per intent, fills applied once);
// - traces(): what the user can see of the fault (alerts, audit entries, connection status).
// The bench (test/bench/faults.bench.ts) runs the same scenarios through this module.
import { startRuntime, type AlpacaRuntime } from '../../../electron/runtime';
import type { EngineEvent } from '../../../engine/api/contract';
import type { Alert, AuditEntry, OrderRecord } from '../../../engine/domain/types';
import type { Emulator, EmulatorOptions } from '../../emulator/server';
import { emulatorEnv, emulatorNow, emulatorPositions, ordersPerClientId, removeTempDirs, tempDir, TUNING } from '../alpaca-runtime/harness';

export { waitFor } from '../alpaca-runtime/harness';

export interface FaultRun {
  rt: AlpacaRuntime;
  emu: Emulator;
  events: EngineEvent[];
  /** the last audit id before the fault: traces() looks after it */
  mark: number;
}

const EPS = 1e-9;

export async function startFaultRun(opts: { emulator?: EmulatorOptions; env?: Record<string, string> } = {}): Promise<FaultRun> {
  const emu = await emulatorNow(opts.emulator);
  try {
    const rt = await startRuntime({ dataDir: tempDir('faults-'), broker: 'alpaca', env: emulatorEnv(emu, opts.env), alpaca: TUNING, housekeepingMs: 50 });
    const events: EngineEvent[] = [];
    rt.subscribe((e) => events.push(e));
    return { rt, emu, events, mark: 0 };
  } catch (e) {
    await emu.close();
    throw e;
  }
}

export async function stopFaultRun(run: FaultRun | null): Promise<void> {
  if (!run) return;
  await run.rt.shutdown();
  await run.emu.close();
}

export { removeTempDirs };

/** Remember where the audit log stands: the fault's traces are what comes after. */
export function markFault(run: FaultRun): void {
  run.mark = run.rt.store.listAudit(1)[0]?.id ?? 0;
}

/** Every way the journal disagrees with the emulator; empty when consistent. */
export function inconsistencies(run: FaultRun): string[] {
  const { rt, emu } = run;
  const out: string[] = [];
  const emuOpen = emu.exchange
    .listOrders()
    .filter((o) => emu.exchange.isOpen(o))
    .map((o) => o.clientOrderId)
    .sort();
  const journalOpen = [...rt.engine.state.openOrders.keys()].sort();
  if (JSON.stringify(emuOpen) !== JSON.stringify(journalOpen)) out.push(`open orders: journal [${journalOpen.join(', ')}], emulator [${emuOpen.join(', ')}]`);

  const theirs = emulatorPositions(emu);
  const ours = Object.fromEntries([...rt.engine.state.positions.values()].filter((p) => Math.abs(p.qty) > EPS).map((p) => [p.symbol, p.qty]));
  for (const s of new Set([...Object.keys(theirs), ...Object.keys(ours)])) {
    if (Math.abs((ours[s] ?? 0) - (theirs[s] ?? 0)) > EPS) out.push(`position ${s}: journal ${ours[s] ?? 0}, emulator ${theirs[s] ?? 0}`);
  }

  for (const [id, n] of ordersPerClientId(emu)) if (n !== 1) out.push(`client_order_id ${id} has ${n} orders at the emulator`);
  const fillsBySymbol = new Map<string, Map<string, number>>();
  for (const o of emu.exchange.listOrders()) {
    const j = rt.store.getOrder(o.clientOrderId);
    if (!j) {
      out.push(`emulator order ${o.clientOrderId} (${o.side} ${o.symbol}) has no journal intent`);
      continue;
    }
    if (Math.abs(j.filledQty - o.filledQty) > EPS) out.push(`order ${o.clientOrderId}: journal filled ${j.filledQty}, emulator ${o.filledQty}`);
    let perOrder = fillsBySymbol.get(o.symbol);
    if (!perOrder) {
      perOrder = new Map();
      for (const f of rt.store.fillsForSymbol(o.symbol, 100_000)) perOrder.set(f.clientOrderId, (perOrder.get(f.clientOrderId) ?? 0) + f.qty);
      fillsBySymbol.set(o.symbol, perOrder);
    }
    const journaled = perOrder.get(o.clientOrderId) ?? 0;
    if (Math.abs(journaled - o.filledQty) > EPS) out.push(`order ${o.clientOrderId}: journaled fills add up to ${journaled}, emulator executed ${o.filledQty}`);
  }
  return out;
}

/**
 * Wait, without prodding the engine, until it agrees with the emulator. Returns the time it took
 * (from the call: the caller calls it right after removing the fault) and what still disagrees.
 */
export async function settle(run: FaultRun, timeoutMs = 8_000): Promise<{ ms: number; problems: string[] }> {
  const t0 = Date.now();
  let problems = inconsistencies(run);
  while (problems.length > 0 && Date.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 10));
    problems = inconsistencies(run);
  }
  // Stable for a moment: a late duplicate would show up here, not after the test has passed.
  if (problems.length === 0) {
    const ms = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 150));
    return { ms, problems: inconsistencies(run) };
  }
  return { ms: Date.now() - t0, problems };
}

export interface Traces {
  alerts: Alert[];
  audit: AuditEntry[];
}

/** Alerts (through the API, as the UI reads them) and audit entries written since markFault(). */
export async function traces(run: FaultRun): Promise<Traces> {
  const a = await run.rt.dispatch('alerts:list', { limit: 200 });
  const alerts = a.ok ? (a.value as Alert[]).filter((x) => x.id > run.mark) : [];
  const audit = run.rt.store.listAudit(500).filter((e) => e.id > run.mark);
  return { alerts, audit };
}

export function describeTraces(t: Traces): string {
  return [...t.alerts.map((a) => `alert ${a.kind}: ${a.message}`), ...t.audit.map((e) => `audit ${e.kind}: ${e.message}`)].join('\n');
}

/** Place an order through the API, as the UI does. */
export async function submit(run: FaultRun, p: { symbol: string; side: 'buy' | 'sell'; qty: number; type?: 'market' | 'limit'; limitPrice?: number }) {
  const r = await run.rt.dispatch('orders:submit', { type: 'market', ...p });
  return r.ok ? { ok: true as const, order: r.value as OrderRecord } : { ok: false as const, message: r.error.message };
}

/** A buy limit far under the market: it rests, so open orders can be compared. */
export function restingLimit(run: FaultRun, symbol: string): number {
  const last = run.rt.market.lastPrice(symbol);
  if (last === null) throw new Error(`no price for ${symbol} yet`);
  return Math.round(last * 0.7 * 100) / 100;
}
