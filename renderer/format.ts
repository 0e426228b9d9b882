// How numbers and times read on screen: dollars with cents, signed P&L, local clock times.
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const qtyFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });
const priceFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });

export function money(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : usd.format(x);
}

/** P&L with an explicit sign: "+$12.50", "-$3.00", "$0.00". */
export function signedMoney(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (x > 0) return `+${usd.format(x)}`;
  return usd.format(x);
}

export function price(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : priceFormat.format(x);
}

export function quantity(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : qtyFormat.format(x);
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction * 100 < 1 ? 2 : 1)}%`;
}

/** "css class" for the sign of a P&L figure */
export function pnlClass(x: number | null | undefined): 'pos' | 'neg' | 'flat' {
  if (x === null || x === undefined || !Number.isFinite(x) || x === 0) return 'flat';
  return x > 0 ? 'pos' : 'neg';
}

// toLocaleTimeString/toLocaleDateString build a new Intl.DateTimeFormat on every call (tens of
// microseconds): the audit log formats hundreds of rows per render, which at full simulator
// speed kept the page busy for seconds. The same formats, made once (the options are what
// those methods default to).
const TIME_FORMAT = new Intl.DateTimeFormat('en-GB', { hour12: false, hour: 'numeric', minute: 'numeric', second: 'numeric' });
const DATE_FORMAT = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: 'numeric', day: 'numeric' });

export function clockTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return TIME_FORMAT.format(ms);
}

export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return `${DATE_FORMAT.format(ms)} ${TIME_FORMAT.format(ms)}`;
}

/** Time left as m:ss (or h:mm:ss), rounded up so "0:00" means really expired. */
export function countdown(msLeft: number): string {
  const total = Math.max(0, Math.ceil(msLeft / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A step's duration in ms, or null while it has not both started and ended. */
export function durationMs(startedAt: number | null, endedAt: number | null): number | null {
  return startedAt !== null && endedAt !== null ? Math.max(0, endedAt - startedAt) : null;
}
