// Child process for the crash test: runs the real runtime (engine + SQLite + simulator) on a
// data directory and trades as fast as it can until the parent kills it with SIGKILL.
// argv: dataDir scenario(autonomous|manual|halt) seed
import { startRuntime } from '../../../electron/runtime';

const [dataDir, scenario, seedArg] = process.argv.slice(2);
if (!dataDir || !scenario) {
  console.error('usage: crash-child DATA_DIR autonomous|manual|halt [SEED]');
  process.exit(2);
}
const rt = await startRuntime({ dataDir, broker: 'sim', simSpeed: 400, simSeed: Number(seedArg ?? 1), housekeepingMs: 20 });
const say = (line: string) => process.stdout.write(`${line}\n`);

if (scenario === 'autonomous') {
  await rt.dispatch('supervisor:set_mode', { mode: 'autonomous' });
  // keep resting limit orders open too, so the crash can land while orders are working
  let n = 0;
  setInterval(() => {
    const last = rt.market.lastPrice('SPY') ?? 100;
    void rt.dispatch('orders:submit', { symbol: 'SPY', side: 'buy', qty: 1, type: 'limit', limitPrice: Math.round(last * 0.7) }).then((r) => {
      if (r.ok && ++n % 5 === 0) void rt.dispatch('orders:cancel', { clientOrderId: (r.value as { clientOrderId: string }).clientOrderId });
    });
  }, 15);
  say('TRADING');
} else if (scenario === 'manual') {
  // manual mode: approvals pile up; approve every other one
  let k = 0;
  rt.subscribe((e) => {
    if (e.name === 'approvals:updated' && e.payload.length > 0 && k++ % 2 === 0) void rt.dispatch('orders:approve', { approvalId: e.payload[0]!.id });
  });
  say('TRADING');
} else if (scenario === 'halt') {
  await rt.dispatch('supervisor:set_mode', { mode: 'autonomous' });
  const last = rt.market.lastPrice('SPY') ?? 100;
  for (let i = 0; i < 10; i++) await rt.dispatch('orders:submit', { symbol: 'SPY', side: 'buy', qty: 1, type: 'limit', limitPrice: Math.round(last * 0.7) });
  const r = await rt.dispatch('killswitch:engage', { source: 'ui' });
  say(`HALTED ${r.ok ? (r.value as { status: string }).status : r.error.message}`);
} else {
  console.error(`unknown scenario ${scenario}`);
  process.exit(2);
}
