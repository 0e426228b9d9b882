// Ensembles in the Lab screen, in real Chromium through the real headless host: GOOG.csv from the
// shared data is imported in the screen; "Ensemble" offers two members, each with its own
// parameters; one member, or two identical ones, is refused inline with Run disabled and nothing
// sent; an ensemble of SMA crossover and EMA breakout runs on GOOG with its per-bar progress and is
// saved with its members and rule in the result, the results list and the comparison; a long
// weighted-vote run reports its bars part way to every client and ends at 100%. (Cancelling a
// backtest part way is proven deterministically in test/unit/lab/backtestProgress.test.ts, with
// real workers: here a run is too quick to catch mid-way without a race.)
// The steps run in order against one host and wait on named UI states, never on sleeps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { headlessBuildMissing, REPO_ROOT, type HeadlessHost } from './fixtures/headlessHost';
import { closeUiSession, openUiSession } from './fixtures/uiSession';
import type { WireClient } from './fixtures/wireClient';
import { existsSync } from 'node:fs';
import { syntheticColumns } from '../unit/backtest/synthetic';

test.describe.configure({ mode: 'serial' });

// the shared real data sits beside the project (never copied into it)
const GOOG_CSV = resolve(REPO_ROOT, '../shared/data/GOOG.csv');
const missing = headlessBuildMissing() ?? (existsSync(GOOG_CSV) ? null : `${GOOG_CSV} is absent (a checkout outside the workspace)`);
if (missing) console.log(`[e2e] skipping lab-ensemble.spec.ts: ${missing}`);
test.skip(missing !== null, missing ?? '');

const DESCRIPTION = 'ensemble (consensus 2 of 2): sma-cross fast=10 slow=20 + ema-breakout period=20 band=0.01';
const LONG_BARS = 200_000;

let host: HeadlessHost;
let wire: WireClient;
let page: Page;
let tmp: string;

test.beforeAll(async ({ browser }) => {
  tmp = mkdtempSync(join(tmpdir(), 'lab-ensemble-e2e-'));
  ({ host, wire, page } = await openUiSession(browser, { simSeed: 5, simSpeed: 20 }));
});

test.afterAll(async () => {
  await closeUiSession({ wire, page, host });
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function savedResults() {
  const r = await wire.request('lab:results', {});
  if (!r.ok) throw new Error(`lab:results failed: ${r.error.message}`);
  return r.value;
}

async function activeRuns() {
  const r = await wire.request('lab:runs', {});
  if (!r.ok) throw new Error(`lab:runs failed: ${r.error.message}`);
  return r.value;
}

test('GOOG.csv from the shared data imports in the Lab screen and becomes the chosen data', async () => {
  await page.goto(host.url);
  await expect(page.getByTestId('connection-status')).toHaveText('Connected');
  await page.getByRole('button', { name: 'Lab', exact: true }).click();
  await page.getByRole('button', { name: 'Import CSV…' }).click();
  await page.getByTestId('lab-import-path').fill(GOOG_CSV);
  await page.getByRole('button', { name: 'Import CSV', exact: true }).click();
  await expect(page.getByTestId('lab-import-report')).toContainText('Imported GOOG: 2,148 bars', { timeout: 30_000 });
  await expect(page.getByTestId('lab-dataset')).toHaveValue('csv:GOOG');
  await page.getByRole('button', { name: 'Close import' }).click();
});

test('Ensemble offers two members with their own parameters; one member or two identical ones are refused inline and nothing is sent', async () => {
  await page.getByLabel('Strategy', { exact: true }).selectOption('ensemble');
  const ensemble = page.getByTestId('lab-ensemble');
  await expect(ensemble.getByTestId(/^lab-member-/)).toHaveCount(2);
  await expect(page.getByLabel('Member 1 strategy')).toHaveValue('sma-cross');
  await expect(page.getByLabel('Member 2 strategy')).toHaveValue('ema-breakout');
  await expect(page.getByLabel('Member 1 Fast SMA period')).toHaveValue('10');
  await expect(page.getByLabel('Member 2 EMA period')).toHaveValue('20');
  const run = page.getByTestId('lab-run');
  await expect(run).toBeEnabled();

  // one member: the ensemble's own message, Run disabled
  await page.getByRole('button', { name: 'Remove member 2' }).click();
  await expect(ensemble.getByTestId(/^lab-member-/)).toHaveCount(1);
  await expect(page.getByTestId('lab-ensemble-problem')).toHaveText('An ensemble needs at least 2 member strategies; it has 1: add another');
  await expect(run).toBeDisabled();

  // a second member identical to the first is refused too, naming both
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.getByLabel('Member 2 strategy').selectOption('sma-cross');
  await expect(page.getByTestId('lab-member-1')).toContainText('Member 2 is the same as member 1 (same strategy and parameters)');
  await expect(run).toBeDisabled();
  // a member parameter out of range names the member and the range
  await page.getByLabel('Member 2 Fast SMA period').fill('500');
  await expect(page.getByTestId('lab-member-1')).toContainText('Member 2: fast (Fast SMA period) must be a whole number between 1 and 200');
  await expect(run).toBeDisabled();

  await page.getByLabel('Member 2 strategy').selectOption('ema-breakout');
  await expect(page.getByTestId('lab-ensemble-problem')).toHaveCount(0);
  await expect(run).toBeEnabled();
  // nothing reached the host while the form was refused
  expect(await activeRuns()).toEqual([]);
  expect(await savedResults()).toEqual([]);
});

test('the ensemble runs on GOOG with per-bar progress and is saved with its members and rule', async () => {
  await expect(page.getByLabel('Voting rule')).toHaveValue('consensus');
  await expect(page.getByLabel('Members that must agree (k)')).toHaveValue('2');
  await page.getByLabel('Name (optional)').fill('Ensemble e2e');
  await page.getByTestId('lab-run').click();
  const progress = page.getByTestId('lab-progress');
  await expect(progress).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(progress).toHaveAttribute('data-phases', /loading,running.*saving/);
  // the worker's bar counts reached the page: all 2,148 bars of GOOG
  await expect(progress).toHaveAttribute('data-total', '2148');
  await expect(progress).toHaveAttribute('data-done', '2148');
  await expect(progress).toContainText('Done (100%)');
  await expect(progress).toContainText('2,148 bars');

  await expect(page.getByTestId('lab-result-spec')).toHaveText(DESCRIPTION);
  await expect(page.getByTestId('lab-metrics').locator('tr[data-metric="trades"] td')).toHaveText(/^\d+$/);
  const row = page.getByTestId('lab-result-row').filter({ hasText: 'Ensemble e2e' });
  await expect(row.getByTestId('lab-result-strategy')).toHaveText(DESCRIPTION);
  await page.getByLabel('Compare Ensemble e2e').check();
  await expect(page.getByTestId('lab-compare').getByTestId('lab-compare-strategy')).toHaveText([DESCRIPTION]);

  const saved = await savedResults();
  expect(saved.map((r) => [r.name, r.strategyId])).toEqual([['Ensemble e2e', 'ensemble']]);
  expect(saved[0]!.strategy).toEqual({
    kind: 'ensemble',
    members: [
      { id: 'sma-cross', params: { fast: 10, slow: 20 } },
      { id: 'ema-breakout', params: { period: 20, band: 0.01 } },
    ],
    mode: { kind: 'consensus', k: 2 },
  });
});

test('a long weighted-vote run reports its bars part way, in order, and ends at 100% with its count', async () => {
  // a synthetic minute series in a temp dir (not the project): long enough for several reports
  const cols = syntheticColumns(LONG_BARS, 5);
  const lines = ['Time,Open,High,Low,Close,Volume'];
  for (let i = 0; i < cols.length; i++) lines.push(`${cols.t[i]},${cols.o[i]},${cols.h[i]},${cols.l[i]},${cols.c[i]},${cols.v[i]}`);
  const file = join(tmp, 'LONGE2E.csv');
  writeFileSync(file, lines.join('\n'));
  const imported = await wire.request('lab:import_csv', { path: file });
  expect(imported.ok && imported.value.status).toBe('imported');
  // the import's event refreshes the page's datasets
  await expect(page.getByTestId('lab-dataset').locator('option[value="csv:LONGE2E"]')).toHaveCount(1);
  await page.getByTestId('lab-dataset').selectOption('csv:LONGE2E');

  await page.getByLabel('Voting rule').selectOption('weighted');
  await page.getByLabel('Lookback (bars)').fill('10000');
  await page.getByLabel('Threshold (0 – 1]').fill('0.5');
  await page.getByLabel('Name (optional)').fill('Long ensemble e2e');
  const seen = wire.events.length;
  await page.getByTestId('lab-run').click();

  const progress = page.getByTestId('lab-progress');
  await expect(progress).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(progress).toHaveAttribute('data-total', String(LONG_BARS));
  await expect(progress).toHaveAttribute('data-done', String(LONG_BARS));
  await expect(progress).toContainText('Done (100%)');
  await expect(progress).toContainText('200,000 bars');
  // what every client was told while it ran: bar counts of this run, in order, some part way
  const counts = wire.events
    .slice(seen)
    .filter((e) => e.name === 'lab:progress')
    .map((e) => e.payload as { phase: string; done: number; total: number })
    .filter((p) => p.phase === 'running' && p.total === LONG_BARS)
    .map((p) => p.done);
  expect(counts.some((d) => d > 0 && d < LONG_BARS)).toBe(true);
  expect(counts.at(-1)).toBe(LONG_BARS);
  expect([...counts].sort((a, b) => a - b)).toEqual(counts);
  expect((await savedResults()).map((r) => r.name).sort()).toEqual(['Ensemble e2e', 'Long ensemble e2e']);
  expect(await activeRuns()).toEqual([]);
});
