// One scenario per fault kind, shared by the suites (which assert on the outcome) and by the bench
// (which records whether each ended consistent and how long that took after the fault was
// removed). Each: trade normally, inject the fault, trade through it, remove it, then `settle`.
import type { OrderRecord } from '../../../engine/domain/types';
import type { TradeUpdate } from '../../emulator/exchange';
import { inconsistencies, markFault, restingLimit, settle, startFaultRun, submit, traces, waitFor, type FaultRun, type Traces } from './harness';

export interface Outcome {
  run: FaultRun;
  /** from removing the fault to journal == emulator */
  recoveryMs: number;
  problems: string[];
  traces: Traces;
  /** what the API answered to the orders placed during the fault */
  answers: { ok: boolean; message?: string; order?: OrderRecord }[];
  /** the broker connection as the snapshot showed it during the fault */
  statusDuring: { connected: boolean; message: string } | null;
}

type Answer = Outcome['answers'][number];

async function finish(run: FaultRun, answers: Answer[], statusDuring: Outcome['statusDuring'], clear: () => void): Promise<Outcome> {
  clear();
  const s = await settle(run);
  return { run, recoveryMs: s.ms, problems: s.problems, traces: await traces(run), answers, statusDuring };
}

/** A trade before any fault: the baseline is consistent and something is held. */
async function baseline(run: FaultRun): Promise<void> {
  const r = await submit(run, { symbol: 'AAPL', side: 'buy', qty: 2 });
  if (!r.ok) throw new Error(`baseline order failed: ${r.message}`);
  await waitFor(() => run.rt.engine.state.positions.get('AAPL')?.qty === 2, 'the baseline fill');
  markFault(run);
}

/** (a) A storm of 429s with Retry-After on every trading request: submits and reads. */
export async function rateLimitStorm(): Promise<Outcome> {
  const run = await startFaultRun();
  await baseline(run);
  run.emu.addFault({ host: 'trading', status: 429, retryAfterSec: 1, times: 10_000 });
  const answers: Answer[] = [];
  answers.push(await submit(run, { symbol: 'MSFT', side: 'buy', qty: 1 }));
  await run.rt.dispatch('reconcile:run', {});
  const statusDuring = run.rt.engine.snapshot().broker;
  return finish(run, answers, statusDuring, () => run.emu.clearFaults());
}

/** (b) 500/502/503 bursts on submit, cancel, list orders and positions. */
export async function serverErrorBursts(): Promise<Outcome> {
  const run = await startFaultRun();
  await baseline(run);
  const resting = await submit(run, { symbol: 'MSFT', side: 'buy', qty: 1, type: 'limit', limitPrice: restingLimit(run, 'MSFT') });
  if (!resting.ok) throw new Error(`resting order failed: ${resting.message}`);
  markFault(run);
  const answers: Answer[] = [];
  run.emu.addFault({ method: 'POST', path: '/v2/orders', status: 500, times: 1 });
  answers.push(await submit(run, { symbol: 'AAPL', side: 'buy', qty: 1 }));
  run.emu.addFault({ method: 'DELETE', path: '/v2/orders/*', status: 502, times: 1 });
  const cancel = await run.rt.dispatch('orders:cancel', { clientOrderId: resting.order.clientOrderId });
  answers.push(cancel.ok ? { ok: true } : { ok: false, message: cancel.error.message });
  // more than the SDK's two retries of a GET: the reads fail for reconciliation
  run.emu.addFault({ method: 'GET', path: '/v2/orders', status: 503, times: 6 });
  run.emu.addFault({ method: 'GET', path: '/v2/positions', status: 503, times: 6 });
  await run.rt.dispatch('reconcile:run', {});
  const statusDuring = run.rt.engine.snapshot().broker;
  return finish(run, answers, statusDuring, () => run.emu.clearFaults());
}

/**
 * (c) Submits slower than the client's timeout (ALPACA_TIMEOUT_MS 800 here): one the emulator
 * handles at once but answers late, one it only handles after the client gave up.
 */
export async function slowResponses(): Promise<Outcome> {
  const run = await startFaultRun({ env: { ALPACA_TIMEOUT_MS: '800' } });
  await baseline(run);
  const answers: Answer[] = [];
  run.emu.addFault({ method: 'POST', path: '/v2/orders', delayMs: 1_200, delayPhase: 'after', times: 1 });
  answers.push(await submit(run, { symbol: 'MSFT', side: 'buy', qty: 1 }));
  run.emu.addFault({ method: 'POST', path: '/v2/orders', delayMs: 1_000, delayPhase: 'before', times: 1 });
  answers.push(await submit(run, { symbol: 'AAPL', side: 'buy', qty: 1 }));
  const statusDuring = run.rt.engine.snapshot().broker;
  // the late one has reached the emulator by now
  await new Promise((r) => setTimeout(r, 400));
  return finish(run, answers, statusDuring, () => run.emu.clearFaults());
}

/** (d) The emulator accepts the order, then the answer is lost (dropResponse), or it hangs up first. */
export async function lostSubmitResponses(): Promise<Outcome> {
  const run = await startFaultRun();
  await baseline(run);
  const answers: Answer[] = [];
  run.emu.addFault({ method: 'POST', path: '/v2/orders', dropResponse: true, times: 1 });
  answers.push(await submit(run, { symbol: 'MSFT', side: 'buy', qty: 1 }));
  run.emu.addFault({ method: 'POST', path: '/v2/orders', hangUp: true, times: 1 });
  answers.push(await submit(run, { symbol: 'AAPL', side: 'buy', qty: 1 }));
  const statusDuring = run.rt.engine.snapshot().broker;
  return finish(run, answers, statusDuring, () => run.emu.clearFaults());
}

/**
 * (e) Both streams cut (no close handshake) and refused for a while; an order placed over REST
 * meanwhile fills unseen, and bars are produced unseen. After reconnect the fill must come back
 * through reconciliation and the bars through backfill.
 */
export async function droppedStreams(): Promise<Outcome & { missedBarT: number; historyHasMissedBar: () => boolean; problemsDuring: string[] }> {
  // the emulator's clock starts 10 minutes back: the minutes it advances during the outage are
  // then in the past for the app's own clock, which is what backfill asks for (finished bars)
  const run = await startFaultRun({ emulator: { startTime: Date.now() - 10 * 60_000 } });
  await baseline(run);
  await waitFor(() => run.rt.market.status.connected, 'market data to be live');
  const outageMs = 1_500;
  run.emu.dropStreams('all', outageMs);
  const cleared = Date.now() + outageMs;
  await waitFor(() => !run.rt.engine.snapshot().broker.connected, 'the engine to see the trade-updates stream go');
  const statusDuring = run.rt.engine.snapshot().broker;
  const answers: Answer[] = [];
  answers.push(await submit(run, { symbol: 'MSFT', side: 'buy', qty: 3 }));
  run.emu.advance(2);
  const missedBarT = run.emu.market.now - 60_000;
  // the fill happened at the emulator and nobody told the engine: the checker must see it
  await waitFor(() => run.emu.exchange.positions.has('MSFT'), 'the MSFT order to fill at the emulator');
  const problemsDuring = inconsistencies(run);
  await new Promise((r) => setTimeout(r, Math.max(0, cleared - Date.now())));
  // a periodic reconciliation may settle the journal before the streams are back: the traces are
  // read once both connections have returned, so their restoration is among them
  await waitFor(() => run.rt.engine.snapshot().broker.connected && run.rt.market.status.connected, 'both streams to come back');
  const out = await finish(run, answers, statusDuring, () => undefined);
  return { ...out, missedBarT, problemsDuring, historyHasMissedBar: () => run.rt.market.history('AAPL', 50).some((b) => b.t >= missedBarT) };
}

/** (f) Every fill delivered three times, then the last fills replayed, then replayed again on a reconnect. */
export async function replayedEvents(): Promise<Outcome> {
  const run = await startFaultRun();
  await baseline(run);
  run.emu.exchange.duplicateFills = 2;
  const answers: Answer[] = [];
  answers.push(await submit(run, { symbol: 'MSFT', side: 'buy', qty: 2 }));
  await waitFor(() => run.rt.engine.state.positions.get('MSFT')?.qty !== undefined, 'the MSFT fill');
  run.emu.streams.replayLastFills(2);
  run.emu.streams.replayFillsOnListen = 3;
  run.emu.dropStreams('trading');
  await waitFor(() => !run.rt.engine.snapshot().broker.connected, 'the drop to be seen');
  const statusDuring = run.rt.engine.snapshot().broker;
  await waitFor(() => run.rt.engine.snapshot().broker.connected, 'the stream to come back (and replay)');
  return finish(run, answers, statusDuring, () => {
    run.emu.exchange.duplicateFills = 0;
    run.emu.streams.replayFillsOnListen = 0;
  });
}

/**
 * (g) Events out of order and repeated: a partially filled order's events delivered backwards
 * (fill, partial_fill, partial_fill, new) with the fill twice; a market order's fill before its
 * new; then a 'canceled' for an order already filled.
 */
export async function outOfOrderEvents(): Promise<Outcome> {
  const run = await startFaultRun({ emulator: { maxFillQtyPerMatch: 2 } });
  await baseline(run);
  const answers: Answer[] = [];
  run.emu.streams.holdTradeUpdates();
  const last = run.rt.market.lastPrice('MSFT') as number;
  // marketable limit: fills 2 on arrival, then 2 per tick
  answers.push(await submit(run, { symbol: 'MSFT', side: 'buy', qty: 5, type: 'limit', limitPrice: Math.round(last * 1.5 * 100) / 100 }));
  answers.push(await submit(run, { symbol: 'AAPL', side: 'sell', qty: 1 }));
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 6 && run.emu.exchange.listOrders().some((o) => run.emu.exchange.isOpen(o)); i++) run.emu.advance(1);
  const statusDuring = run.rt.engine.snapshot().broker;
  let filled: TradeUpdate | null = null;
  run.emu.streams.releaseTradeUpdates((held) => {
    const backwards = held.reverse();
    filled = backwards.find((u) => u.event === 'fill') ?? null;
    return filled ? [filled, ...backwards] : backwards;
  });
  if (filled) {
    const f = filled as TradeUpdate;
    run.emu.streams.sendTradeUpdate({
      event: 'canceled',
      order: { ...f.order, status: 'canceled', canceled_at: new Date(run.emu.market.now).toISOString() },
      timestamp: new Date(run.emu.market.now).toISOString(),
    });
  }
  return finish(run, answers, statusDuring, () => undefined);
}

export const SCENARIOS = {
  'a 429 storm': rateLimitStorm,
  'b 5xx bursts': serverErrorBursts,
  'c slow responses': slowResponses,
  'd lost submit responses': lostSubmitResponses,
  'e dropped streams': droppedStreams,
  'f replayed events': replayedEvents,
  'g out-of-order events': outOfOrderEvents,
} as const;
