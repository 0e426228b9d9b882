// Reconciliation end to end in real Chromium: an Alpaca emulator in this process holds a position
// opened on it directly (an external trade, unknown to the app); the real headless host starts
// with --broker alpaca against it. The main screen says autonomous mode is locked, the
// Reconciliation screen shows the difference (journal 0, broker 7), "Adopt" resolves it and
// autonomous mode unlocks (the other paper-autonomy gate, a passed emergency-stop drill, is run
// first through the API so that the reconciliation is the only thing standing in the way). Then the Connection screen shows the key from the environment masked,
// never the secret, and its connection test reads the emulator's account.
import { expect, test, type Page } from '@playwright/test';
import { startEmulator, type Emulator } from '../emulator/server';
import { headlessBuildMissing, startHeadlessHost, type HeadlessHost } from './fixtures/headlessHost';
import { closeUiSession, openUiSession } from './fixtures/uiSession';
import type { WireClient } from './fixtures/wireClient';

test.describe.configure({ mode: 'serial' });

const missingBuild = headlessBuildMissing();
if (missingBuild) console.log(`[e2e] skipping reconciliation.spec.ts: ${missingBuild}`);
test.skip(missingBuild !== null, missingBuild ?? '');

const KEYS = { keyId: 'PKE2ERECONCILE0042', secret: 'e2e-secret-do-not-show-0000000000' };

let emu: Emulator;
let host: HeadlessHost;
let wire: WireClient;
let page: Page;

test.beforeAll(async ({ browser }) => {
  // the emulator's clock is the real one, and a new minute bar comes every second
  emu = await startEmulator({ seed: 3, startTime: Date.now(), historyMinutes: 600, tickIntervalMs: 1000, keys: KEYS });
  emu.openExternalPosition('AAPL', 7);
  ({ host, wire, page } = await openUiSession(browser, {
    broker: 'alpaca',
    env: {
      APCA_API_KEY_ID: KEYS.keyId,
      APCA_API_SECRET_KEY: KEYS.secret,
      ALPACA_PAPER: 'true',
      ALPACA_API_BASE_URL: emu.urls.api,
      ALPACA_DATA_BASE_URL: emu.urls.data,
      ALPACA_STREAM_URL: emu.urls.stream,
      ALPACA_DATA_STREAM_URL: emu.urls.dataStream,
      ALPACA_SYMBOLS: 'AAPL,MSFT,BTC/USD',
    },
  }));
});

test.afterAll(async () => {
  await closeUiSession({ wire, page, host });
  await emu?.close();
});

test('an external position at the broker locks autonomous mode, with a banner on the main screen', async () => {
  const drill = await wire.request('killswitch:drill', {});
  expect(drill.ok && drill.value.status, JSON.stringify(drill)).toBe('confirmed');
  await page.goto(host.url);
  await expect(page.getByTestId('connection-status')).toHaveText('Connected');
  await expect(page.locator('.app-header .badge')).toHaveText('PAPER');
  const banner = page.getByTestId('reconcile-banner');
  await expect(banner).toContainText('1 difference with the broker');
  await expect(banner).toContainText('Autonomous mode is locked');
  // the engine refuses autonomous mode while the difference stands
  await page.getByRole('switch', { name: 'Autonomous mode' }).click();
  const refusal = page.locator('.toast', { hasText: 'Could not switch to Autonomous mode' });
  await expect(refusal).toContainText('Reconciliation clean: fail');
  await expect(refusal).not.toContainText('Emergency stop drill');
  await expect(page.getByTestId('mode-switch')).toHaveText('Manual');
});

test('the Reconciliation screen shows the difference, "Adopt" resolves it, and autonomous mode unlocks', async () => {
  await page.getByTestId('reconcile-banner').getByRole('button', { name: 'Review differences' }).click();
  const item = page.getByTestId('reconcile-item');
  await expect(item).toHaveCount(1);
  await expect(item).toContainText('AAPL');
  await expect(item.getByTestId('journal-qty')).toHaveText('0');
  await expect(item.getByTestId('broker-qty')).toHaveText('7');
  await expect(item.getByRole('button', { name: 'Ignore' })).toBeVisible();
  await expect(item.getByRole('button', { name: 'Close' })).toBeVisible();

  await item.getByRole('button', { name: 'Adopt' }).click();
  await expect(item.getByTestId('reconcile-resolution')).toContainText('Adopt');
  await expect(item.getByTestId('reconcile-resolution')).toContainText("journal set to the broker's 7 AAPL");
  await expect(page.getByTestId('reconcile-banner')).toHaveCount(0);
  await expect(page.getByTestId('reconcile-status')).toHaveText(/All differences resolved/);

  // "Check again" asks the broker anew: the journal now matches, nothing new appears
  await page.getByRole('button', { name: 'Check again' }).click();
  await expect(page.getByTestId('reconcile-banner')).toHaveCount(0);
  const snapshot = await wire.request('app:snapshot', {});
  expect(snapshot.ok && snapshot.value.positions.find((p) => p.symbol === 'AAPL')?.qty).toBe(7);

  await page.getByRole('switch', { name: 'Autonomous mode' }).click();
  await expect(page.getByTestId('mode-switch')).toHaveText('Autonomous');
});

test('the Connection screen shows the key masked, never the secret, and its test reads the account', async () => {
  await page.getByRole('button', { name: 'Connection', exact: true }).click();
  await expect(page.getByTestId('active-connection')).toHaveText('This session: Alpaca paper');
  await expect(page.getByTestId('keys-paper-status')).toHaveText('PK…0042 (from the environment)');
  await expect(page.getByTestId('keys-live-status')).toHaveText('not set');
  await page.getByTestId('keys-paper').getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('connection-test-result')).toHaveAttribute('data-outcome', 'ok');
  await expect(page.getByTestId('connection-test-result')).toContainText('account ACTIVE');
  const html = await page.content();
  expect(html).not.toContain(KEYS.secret);
  expect(html).not.toContain(KEYS.keyId);
  // live needs the sentence typed in full
  const goLive = page.getByRole('button', { name: 'Switch to live trading' });
  await expect(goLive).toBeDisabled();
  await page.getByLabel('Live trading confirmation').fill('I understand');
  await expect(goLive).toBeDisabled();
  expect(host.output()).not.toContain(KEYS.secret);
});

test('on a live account a red LIVE badge and a LIVE strip stay on every screen', async ({ browser }) => {
  const liveKeys = { keyId: 'AKE2ELIVEKEY000042', secret: 'e2e-live-secret-000000000000000' };
  const liveEmu = await startEmulator({ seed: 4, startTime: Date.now(), historyMinutes: 300, keys: liveKeys });
  const liveHost = await startHeadlessHost({
    broker: 'alpaca',
    env: {
      APCA_API_KEY_ID: liveKeys.keyId,
      APCA_API_SECRET_KEY: liveKeys.secret,
      ALPACA_PAPER: 'false',
      ALPACA_API_BASE_URL: liveEmu.urls.api,
      ALPACA_DATA_BASE_URL: liveEmu.urls.data,
      ALPACA_STREAM_URL: liveEmu.urls.stream,
      ALPACA_DATA_STREAM_URL: liveEmu.urls.dataStream,
      ALPACA_SYMBOLS: 'AAPL',
    },
  });
  const livePage = await browser.newPage();
  try {
    await livePage.goto(liveHost.url);
    const badge = livePage.locator('.app-header .badge');
    await expect(badge).toHaveText('LIVE');
    await expect(badge).toHaveCSS('background-color', 'rgb(209, 36, 47)');
    for (const tab of ['Reconciliation', 'Connection', 'Trade']) {
      await livePage.getByRole('button', { name: tab, exact: true }).click();
      await expect(livePage.getByTestId('live-banner')).toContainText('LIVE TRADING');
    }
  } finally {
    await livePage.close();
    await liveHost.dispose();
    await liveEmu.close();
  }
});
