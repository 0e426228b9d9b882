// The safety rails from the UI, in real Chromium through the real headless host on the simulated
// market: the emergency-stop drill, a refused out-of-range setting, "Approve next N", the
// "Emergency stop + flatten" button, and the alerts a crash leaves behind. The tests run in order
// against one host (each leaves the state the next needs) and wait on named UI states, never on
// fixed sleeps; the wire client checks the engine's state behind the UI.
import { expect, test, type Page } from '@playwright/test';
import { inspectLock } from '../../electron/runtime-lock';
import { headlessBuildMissing, startHeadlessHost, type HeadlessHost } from './fixtures/headlessHost';
import { closeUiSession, openUiSession, relaxAccountBreakers } from './fixtures/uiSession';
import { connectWire, type WireClient } from './fixtures/wireClient';

test.describe.configure({ mode: 'serial' });

const missingBuild = headlessBuildMissing();
if (missingBuild) console.log(`[e2e] skipping safety.spec.ts: ${missingBuild}`);
test.skip(missingBuild !== null, missingBuild ?? '');

let host: HeadlessHost;
/** the same data directory, port and token after the crash */
let restarted: HeadlessHost | null = null;
let wire: WireClient;
let page: Page;

test.beforeAll(async ({ browser }) => {
  // 40 simulated bars per second per symbol: SMA crosses, and so proposals, come within seconds
  ({ host, wire, page } = await openUiSession(browser, { simSeed: 11, simSpeed: 40 }));
  await relaxAccountBreakers(wire);
});

test.afterAll(() => closeUiSession({ wire, page, host, restarted }));

async function snapshot() {
  const s = await wire.request('app:snapshot', {});
  if (!s.ok) throw new Error(`app:snapshot failed: ${s.error.message}`);
  return s.value;
}

/** Tabs carry badges ("Trade 3", "Readiness & safety warn"): match the label at the start. */
const tab = (label: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: new RegExp(`^${label}`) });

test('"Test emergency stop" runs the whole sequence, passes, re-arms, and the checklist item turns pass', async () => {
  await page.goto(host.url);
  await expect(page.getByTestId('connection-status')).toHaveText('Connected');
  await expect(page.getByTestId('trading-state')).toHaveText('Active');
  await tab('Readiness & safety').click();
  const drillItem = page.locator('[data-testid="readiness-item"][data-item-id="emergency_stop_tested"]');
  await expect(drillItem).toHaveAttribute('data-status', 'warn');

  await page.getByRole('button', { name: 'Test emergency stop' }).click();

  const report = page.getByTestId('drill-report');
  await expect(report).toHaveAttribute('data-status', 'confirmed');
  const step = (name: string) => report.locator(`[data-testid="stop-step"][data-step="${name}"]`);
  // each step shows its start time and duration; the broker-facing ones also their attempts
  await expect(step('halt')).toHaveAttribute('data-status', 'done');
  await expect(step('halt')).toContainText(/\d\d:\d\d:\d\d · \d+ ms/);
  for (const name of ['cancel_orders', 'confirm']) {
    await expect(step(name)).toHaveAttribute('data-status', 'done');
    await expect(step(name)).toContainText(/\d\d:\d\d:\d\d · \d+ ms · \d+ attempts?/);
  }
  await expect(drillItem).toHaveAttribute('data-status', 'pass');
  await expect(page.getByTestId('trading-state')).toHaveText('Active');
  const s = await snapshot();
  expect(s.lastDrill?.status).toBe('confirmed');
  expect(s.tradingState.state).toBe('active');
});

test('a risk setting out of range is refused: the engine\'s message names the 2% limit, inline, and nothing changes', async () => {
  await tab('Settings').click();
  const risk = page.getByLabel('Risk per trade (% of equity)');
  await expect(risk).toHaveValue('1');
  await risk.fill('5');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByTestId('settings-message')).toContainText('risk per trade must be at most 2%');
  // the refusal also stands under the field it names
  await expect(page.getByTestId('setting-riskPerTradePct')).toContainText('must be at most 2%');
  expect((await snapshot()).settings.risk.riskPerTradePct).toBe(0.01);

  // a value inside the range is saved, as a fraction
  await risk.fill('1.5');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByTestId('settings-message')).toHaveText('Saved.');
  await expect.poll(async () => (await snapshot()).settings.risk.riskPerTradePct).toBe(0.015);
});

test('"Approve next 1" lets the next proposal through without a click, and it fills into a position', async () => {
  await tab('Trade').click();
  const before = await wire.request('orders:list', { scope: 'all' });
  if (!before.ok) throw new Error(before.error.message);
  const knownOrders = new Set(before.value.map((o) => o.clientOrderId));
  const remaining = page.getByTestId('auto-approve-remaining');
  await expect(remaining).toHaveAttribute('data-remaining', '0');

  await page.getByLabel('How many proposals to approve automatically').fill('1');
  await page.getByRole('button', { name: 'Approve next', exact: true }).click();
  // (the count may already be used up by the time the page shows it: the order below is the proof)

  // proposals made before hold their symbols until decided: clear them, so a new one can come
  for (const a of (await snapshot()).approvals) await wire.request('orders:reject', { approvalId: a.id, reason: 'e2e: make room' });

  await expect
    .poll(
      async () => {
        const now = await wire.request('orders:list', { scope: 'all' });
        return now.ok ? now.value.filter((o) => !knownOrders.has(o.clientOrderId) && o.origin === 'strategy').length : -1;
      },
      { timeout: 60_000, message: 'the auto-approved proposal became a strategy order, with nobody clicking Approve' },
    )
    .toBe(1);
  await expect(remaining).toHaveAttribute('data-remaining', '0');
  await expect(remaining).toHaveText('every proposal waits');
  // it filled (its position may already be closed again by its own bracket at this simulator speed)
  await expect
    .poll(
      async () => {
        const now = await wire.request('orders:list', { scope: 'all' });
        return now.ok ? now.value.filter((o) => !knownOrders.has(o.clientOrderId) && o.origin === 'strategy' && o.status === 'filled').length : -1;
      },
      { timeout: 30_000, message: 'the auto-approved order filled' },
    )
    .toBe(1);
});

test('"Emergency stop + flatten" halts with zero positions and zero open orders, and says who and why', async () => {
  // a position of its own (a manual market order carries no bracket, so nothing closes it before
  // the stop does) and a resting limit order far below the market
  const bought = await wire.request('orders:submit', { symbol: 'MSFT', side: 'buy', qty: 1, type: 'market' });
  if (!bought.ok) throw new Error(`could not open the position: ${bought.error.message}`);
  const resting = await wire.request('orders:submit', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limitPrice: 1 });
  if (!resting.ok) throw new Error(`could not place the resting order: ${resting.error.message}`);
  await expect(page.getByTestId('open-order-row').first()).toBeVisible();
  await expect(page.getByTestId('position-row').first()).toBeVisible();
  // the setting stays off: this button flattens regardless
  await expect(page.getByLabel('Flatten on stop')).not.toBeChecked();

  await page.getByRole('button', { name: 'Emergency stop + flatten', exact: true }).click();

  await expect(page.getByTestId('trading-state')).toHaveText('Halted');
  await expect(page.getByTestId('position-row')).toHaveCount(0);
  await expect(page.getByTestId('open-order-row')).toHaveCount(0);
  const report = page.getByTestId('stop-report').first();
  await expect(report).toHaveAttribute('data-status', 'confirmed');
  await expect(report.locator('[data-step="flatten"]')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('trading-state-chip')).toHaveAttribute('title', /^Trading Halted \(latched until re-armed\) — set by the emergency stop at .*: emergency stop \(ui, flatten\)$/);
  const s = await snapshot();
  expect(s.openOrders).toHaveLength(0);
  expect(s.positions).toHaveLength(0);
  expect(s.lastStop?.flatten).toBe(true);
  const open = await wire.request('orders:list', { scope: 'open' });
  expect(open.ok && open.value.length).toBe(0);
});

test('after re-arming, proposals wait for a click again: "Approve next 1" was used up', async () => {
  await page.getByRole('button', { name: 'Re-arm', exact: true }).click();
  await page.getByLabel('Why is it safe to trade again?').fill('e2e: flat and checked');
  await page.getByRole('button', { name: 'Confirm re-arm' }).click();
  await expect(page.getByTestId('trading-state')).toHaveText('Active');
  await expect(page.getByTestId('trading-state-chip')).toHaveAttribute('title', /set by you at .*: e2e: flat and checked$/);

  const older = new Set((await snapshot()).approvals.map((a) => a.id));
  const items = page.getByTestId('approval-item');
  await expect
    .poll(async () => (await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-approval-id')))).some((id) => id !== null && !older.has(id)), {
      timeout: 60_000,
      message: 'a new proposal waiting in the queue',
    })
    .toBe(true);
  const s = await snapshot();
  expect(s.autoApproveRemaining).toBe(0);
  expect(s.approvals.some((a) => a.status === 'pending' && !older.has(a.id))).toBe(true);
  await expect(page.getByTestId('auto-approve-remaining')).toHaveAttribute('data-remaining', '0');
});

test('after a crash the restart raises an alert: the header counts it, a click lists it, the safety screen keeps it', async () => {
  const lock = inspectLock(host.dataDir);
  if (lock.kind !== 'live') throw new Error(`expected the host to hold the data directory's lock, found ${lock.kind}`);
  // no clean shutdown: the next start must notice and say so
  process.kill(lock.info.pid, 'SIGKILL');
  await host.stop();
  wire.close();
  await expect(page.getByTestId('connection-status')).toHaveText(/Disconnected|Reconnecting/);

  restarted = await startHeadlessHost({ simSeed: 11, simSpeed: 40, dataDir: host.dataDir, port: host.port, token: host.token });
  wire = await connectWire(restarted.origin, restarted.token);
  await expect(page.getByTestId('connection-status')).toHaveText('Connected', { timeout: 30_000 });

  const count = page.getByTestId('alert-count');
  await expect(count).toHaveText(/^[1-9]\d*$/);
  await page.getByRole('button', { name: /^Alerts: [1-9]\d* unseen$/ }).click();
  const dropdown = page.getByTestId('alerts-dropdown');
  await expect(dropdown.locator('[data-testid="alert-row"][data-kind="unclean_shutdown"]')).toContainText('stopped unexpectedly');
  await expect(count).toHaveText('0');
  await dropdown.getByRole('button', { name: 'Close' }).click();

  await tab('Readiness & safety').click();
  const row = page.getByRole('region', { name: 'Alerts', exact: true }).locator('[data-testid="alert-row"][data-kind="unclean_shutdown"]');
  await expect(row).toHaveAttribute('data-level', 'warning');
  await expect(row).toContainText('Unexpected shutdown');
  const alerts = await wire.request('alerts:list', {});
  expect(alerts.ok && alerts.value.some((a) => a.kind === 'unclean_shutdown')).toBe(true);
});
