// The real UI during the soak: the built renderer in Chromium, connected to the headless host
// through its URL. Reads what the page keeps (bars on the chart) and measures input latency:
// a real mouse click on a screen tab (Playwright's CDP input, through the browser's input
// pipeline) to the next animation frame after the DOM reflects it.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from '@playwright/test';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
export const PROBE_TIMEOUT_MS = 10_000;
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--enable-precise-memory-info'];

export interface SoakUi {
  /** bars the chart holds now (its data-bars attribute), null when the chart is not on screen */
  chartBars(): Promise<number | null>;
  /** the page's JS heap in bytes (Chromium's performance.memory), null if unavailable */
  jsHeapBytes(): Promise<number | null>;
  /** true while the page shows its "connection lost" banner */
  disconnected(): Promise<boolean>;
  /**
   * Click "Orders & audit", then "Trade": the latency of each, in ms. A click the page does not
   * answer within PROBE_TIMEOUT_MS counts as that long and is reported as a problem.
   */
  probeInputLatency(): Promise<{ latencies: number[]; problem: string | null }>;
  close(): Promise<void>;
}

/** Installed in the page: resolves with the latency of the next click that flips a tab's aria-current. */
const ARM = `(() => {
  window.__soakProbe = new Promise((resolve) => {
    let t0 = NaN;
    const onClick = (e) => { t0 = e.timeStamp; };
    document.addEventListener('click', onClick, { capture: true, once: true });
    const nav = document.querySelector('nav.tabs');
    if (!nav) { resolve({ error: 'no nav.tabs in the page' }); return; }
    const mo = new MutationObserver(() => {
      mo.disconnect();
      // the frame that shows the change starts here
      requestAnimationFrame(() => resolve({ ms: performance.now() - t0 }));
    });
    mo.observe(nav, { attributes: true, subtree: true, attributeFilter: ['aria-current'] });
  });
})()`;

export async function openSoakUi(url: string): Promise<SoakUi> {
  const browser: Browser = await chromium.launch({
    executablePath: existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : undefined,
    args: CHROMIUM_ARGS,
  });
  try {
    const page: Page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
    await page.goto(url);
    // the UI is up once the chart shows the selected symbol's history
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('[data-testid="price-chart"]')?.dataset.bars ?? 0) > 0, undefined, { timeout: 60_000 });
    return makeUi(browser, page);
  } catch (e) {
    await browser.close();
    throw e;
  }
}

function makeUi(browser: Browser, page: Page): SoakUi {
  const clickTab = async (label: string): Promise<number> => {
    await page.evaluate(ARM);
    const t0 = Date.now();
    try {
      await page.locator('nav.tabs').getByRole('button', { name: label }).first().click({ timeout: PROBE_TIMEOUT_MS });
    } catch (e) {
      throw new ProbeTimeout(`the page did not take a click on "${label}" within ${PROBE_TIMEOUT_MS} ms (${(e as Error).message.split('\n')[0]})`, Date.now() - t0);
    }
    const r = (await page.evaluate('window.__soakProbe')) as { ms?: number; error?: string };
    if (r.error !== undefined || r.ms === undefined || !Number.isFinite(r.ms)) throw new Error(`input latency probe on "${label}" failed: ${r.error ?? JSON.stringify(r)}`);
    return r.ms;
  };
  const chartUp = (): Promise<unknown> =>
    page.waitForFunction(() => Number(document.querySelector<HTMLElement>('[data-testid="price-chart"]')?.dataset.bars ?? 0) > 0, undefined, { timeout: 60_000 });
  return {
    chartBars: () =>
      page.evaluate(() => {
        const el = document.querySelector<HTMLElement>('[data-testid="price-chart"]');
        return el ? Number(el.dataset.bars ?? NaN) : null;
      }),
    jsHeapBytes: () => page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null),
    disconnected: () => page.evaluate(() => document.querySelector('.connection-banner') !== null),
    async probeInputLatency() {
      const latencies: number[] = [];
      try {
        latencies.push(await clickTab('Orders & audit'));
        latencies.push(await clickTab('Trade'));
        // the chart is rebuilt on the Trade screen: wait for its history before the next reads
        await chartUp();
        return { latencies, problem: null };
      } catch (e) {
        if (!(e instanceof ProbeTimeout)) throw e;
        latencies.push(e.waitedMs);
        // back to the chart for the next samples, however long the page takes
        await page.locator('nav.tabs').getByRole('button', { name: 'Trade' }).first().click({ timeout: 120_000 });
        await chartUp();
        return { latencies, problem: e.message };
      }
    },
    close: () => browser.close(),
  };
}

class ProbeTimeout extends Error {
  constructor(
    message: string,
    readonly waitedMs: number,
  ) {
    super(message);
  }
}
