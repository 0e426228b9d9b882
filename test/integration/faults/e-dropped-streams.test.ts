// (e) Both streams cut without a close handshake and refused for 1.5 s. A market order placed
// over REST meanwhile fills unseen; bars are produced unseen. Adapter-level reconnects are in
// alpaca/broker.test.ts and marketData.test.ts; this suite proves the engine catches up by itself.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectConsistentAndVisible } from './common';
import { removeTempDirs, settle, stopFaultRun, waitFor } from './harness';
import { droppedStreams } from './scenarios';

let o: Awaited<ReturnType<typeof droppedStreams>> | null = null;
afterEach(async () => {
  await stopFaultRun(o?.run ?? null);
  o = null;
});
afterAll(() => removeTempDirs());

describe('fault: dropped streams', () => {
  it('the fill missed while disconnected is applied once by reconciliation after reconnect; missed bars are backfilled; both drops are shown', async () => {
    o = await droppedStreams();
    // while down, the journal really was behind (the checker can fail)
    expect(o.problemsDuring.join('\n')).toMatch(/position MSFT: journal 0, emulator 3/);
    expect(o.statusDuring?.connected).toBe(false);
    expect(o.statusDuring?.message).toMatch(/trade-updates stream lost/);
    expectConsistentAndVisible(o, {
      alerts: [/^broker_lost: .*trade-updates stream lost/, /^data_stale: Lost the market-data connection/],
      audit: [/Applied 3 MSFT filled at the broker while the app was not listening/, /Broker connection restored/],
    });
    // recovered without asking the user: no reconciliation difference was raised
    expect(o.run.rt.engine.state.reconciliation.filter((i) => i.resolution === null)).toEqual([]);
    const run = o.run;
    await waitFor(() => run.rt.market.status.connected, 'market data to come back');
    await waitFor(() => o?.historyHasMissedBar() === true, 'the bar produced during the outage to be backfilled');
    const t = await run.rt.dispatch('audit:list', { limit: 200 });
    expect(t.ok && (t.value as { message: string }[]).some((e) => /Market data connection restored/.test(e.message))).toBe(true);
  });

  it('the missed execution, delivered after reconciliation already caught it up, is not counted a second time', async () => {
    o = await droppedStreams();
    expect(o.problems).toEqual([]);
    expect(o.traces.audit.some((e) => /Applied 3 MSFT filled at the broker while the app was not listening/.test(e.message))).toBe(true);
    // the stream now delivers the execution it missed (a late replay): new to the adapter's
    // execution-id memory, already inside the catch-up fill
    const [late] = o.run.emu.streams.replayLastFills(1);
    expect(late?.event).toBe('fill');
    const run = o.run;
    await waitFor(() => run.rt.store.listAudit(20).some((e) => /Ignored a late 3 MSFT execution/.test(e.message)), 'the late execution to be recognised');
    const after = await settle(run);
    expect(after.problems).toEqual([]);
    expect(run.rt.engine.state.positions.get('MSFT')?.qty).toBe(3);
  });
});
