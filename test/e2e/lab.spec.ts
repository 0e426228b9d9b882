// The strategy lab in real Chromium through the real headless host: inputs built from the
// catalogue refuse an out-of-range parameter inline; a backtest on a simulator symbol's cached
// bars shows its progress, then its metrics, curves and trades, and is saved; a second one is
// compared side by side with it; trades export to CSV; a sweep runs with its own progress.
// The steps run in order against one host and wait on named UI states, never on sleeps.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { headlessBuildMissing, type HeadlessHost } from './fixtures/headlessHost';
import { closeUiSession, openUiSession } from './fixtures/uiSession';
import type { WireClient } from './fixtures/wireClient';

test.describe.configure({ mode: 'serial' });

const missingBuild = headlessBuildMissing();
if (missingBuild) console.log(`[e2e] skipping lab.spec.ts: ${missingBuild}`);
test.skip(missingBuild !== null, missingBuild ?? '');

let host: HeadlessHost;
let wire: WireClient;
let page: Page;

test.beforeAll(async ({ browser }) => {
  ({ host, wire, page } = await openUiSession(browser, { simSeed: 5, simSpeed: 20 }));
});

test.afterAll(() => closeUiSession({ wire, page, host }));

async function savedResults(): Promise<string[]> {
  const r = await wire.request('lab:results', {});
  if (!r.ok) throw new Error(`lab:results failed: ${r.error.message}`);
  return r.value.map((x) => x.name);
}

test('the Lab offers the simulator symbols as data and refuses an out-of-range parameter inline', async () => {
  await page.goto(host.url);
  await expect(page.getByTestId('connection-status')).toHaveText('Connected');
  await page.getByRole('button', { name: 'Lab', exact: true }).click();
  const dataset = page.getByTestId('lab-dataset');
  await expect(dataset).toHaveValue(/^sim:/);
  await expect(dataset.locator('option')).not.toHaveCount(0);

  const fast = page.getByLabel('Fast SMA period');
  await expect(fast).toHaveValue('10');
  await fast.fill('500');
  await expect(page.getByTestId('lab-param-fast')).toContainText('fast (Fast SMA period) must be a whole number between 1 and 200');
  await expect(page.getByTestId('lab-run')).toBeDisabled();
  await fast.fill('5');
  await expect(page.getByTestId('lab-run')).toBeEnabled();
});

test('a backtest on a cached simulator symbol shows progress, then metrics, curves and trades, and is saved', async () => {
  await page.getByLabel('Name (optional)').fill('SMA 5/20 e2e');
  await page.getByTestId('lab-run').click();
  const progress = page.getByTestId('lab-progress');
  // the progress events reached the page (loading, then running on the workers, then saving)
  await expect(progress).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(progress).toHaveAttribute('data-phases', /loading,running.*saving/);
  await expect(progress).toContainText('Done (100%)');

  const metrics = page.getByTestId('lab-metrics');
  await expect(metrics).toBeVisible();
  await expect(metrics.locator('tr[data-metric="trades"] td')).toHaveText(/^\d+$/);
  await expect(metrics.locator('tr[data-metric="finalEquity"] td')).toHaveText(/^\$[\d,]+\.\d\d$/);
  await expect.poll(async () => Number(await page.getByTestId('lab-curves').getAttribute('data-points'))).toBeGreaterThan(10);
  await expect(page.getByTestId('lab-trades-chart')).toHaveAttribute('data-markers', /^\d+$/);

  const rows = page.getByTestId('lab-results-list').getByTestId('lab-result-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('SMA 5/20 e2e');
  expect(await savedResults()).toEqual(['SMA 5/20 e2e']);
});

test('trades export to a CSV file built in the page', async () => {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export trades CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('SMA-5-20-e2e-trades.csv');
  const text = readFileSync(await file.path(), 'utf8');
  const lines = text.trim().split('\r\n');
  expect(lines[0]).toBe('side,size,entryTime,exitTime,entryPrice,exitPrice,pnl,returnPct,commission,exitReason');
  const trades = await page.getByTestId('lab-metrics').locator('tr[data-metric="trades"] td').textContent();
  expect(lines.length - 1).toBe(Number(trades));
});

test('a second backtest is saved beside the first, and the two compare side by side', async () => {
  await page.getByLabel('Strategy', { exact: true }).selectOption('ema-breakout');
  await expect(page.getByLabel('EMA period')).toHaveValue('20');
  await page.getByLabel('Name (optional)').fill('EMA breakout e2e');
  await page.getByTestId('lab-run').click();
  await expect(page.getByTestId('lab-progress')).toContainText('saved "EMA breakout e2e"', { timeout: 60_000 });
  const rows = page.getByTestId('lab-results-list').getByTestId('lab-result-row');
  await expect(rows).toHaveCount(2);

  await page.getByLabel('Compare SMA 5/20 e2e').check();
  await page.getByLabel('Compare EMA breakout e2e').check();
  const compare = page.getByTestId('lab-compare');
  await expect(compare.locator('th[scope="col"]')).toHaveText([/SMA 5\/20 e2e/, /EMA breakout e2e/]);
  await expect(compare.locator('tr[data-metric="sharpe"] td')).toHaveCount(2);
  await expect(compare.locator('tr').filter({ hasText: 'Strategy' }).locator('td')).toHaveText([/sma-cross fast=5 slow=20/, /ema-breakout period=20/]);
  expect((await savedResults()).sort()).toEqual(['EMA breakout e2e', 'SMA 5/20 e2e']);
});

test('a saved result reopens from the list', async () => {
  await page.getByTestId('lab-result-row').filter({ hasText: 'SMA 5/20 e2e' }).getByRole('button', { name: 'Open' }).click();
  await expect(page.locator('.lab-result[aria-label="Backtest result"] .lab-result-name')).toHaveText('SMA 5/20 e2e');
});

test('a parameter sweep runs with its own progress and result table', async () => {
  await page.getByRole('tab', { name: 'Sweep' }).click();
  await page.getByLabel('Strategy', { exact: true }).selectOption('sma-cross');
  const fastSweep = page.getByTestId('lab-param-fast').getByRole('checkbox');
  await fastSweep.check();
  await page.getByLabel('fast from').fill('4');
  await page.getByLabel('fast to').fill('12');
  await page.getByLabel('fast step').fill('4');
  await page.getByLabel('Name (optional)').fill('');
  await expect(page.getByTestId('lab-run')).toHaveText(/\(3 points\)/);
  await page.getByTestId('lab-run').click();
  await expect(page.getByTestId('lab-progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  const sweep = page.getByTestId('lab-sweep');
  await expect(sweep.locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('lab-result-row').filter({ hasText: 'Sweep sma-cross (3 points)' })).toHaveCount(1);
});
