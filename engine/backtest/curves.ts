// Curves for display: a backtest's equity and drawdown at every bar can be a million points, a
// screen shows a few thousand. Downsampling keeps each bucket's extremes (equity: lowest and
// highest; drawdown: deepest) plus the first and last points, so the start, the peaks, the
// troughs and the maximum drawdown a user sees are the real ones, not an average that hides them.
import { drawdownCurve } from './metrics';

export interface CurvePoint {
  /** bar time, ms */
  t: number;
  v: number;
}

export const DEFAULT_CURVE_POINTS = 2000;

function bucketBounds(n: number, buckets: number, b: number): [number, number] {
  return [Math.floor((b * n) / buckets), Math.floor(((b + 1) * n) / buckets)];
}

/** appends point i unless it is the last one already there (buckets meet at their edges) */
function push(out: CurvePoint[], times: Float64Array, values: ArrayLike<number>, i: number): void {
  const t = times[i]!;
  if (out.length === 0 || out[out.length - 1]!.t < t) out.push({ t, v: values[i]! });
}

/** equity: the first point, per bucket its lowest and highest point in time order, the last point */
export function downsampleExtremes(times: Float64Array, values: Float64Array, maxPoints = DEFAULT_CURVE_POINTS): CurvePoint[] {
  const n = values.length;
  if (n <= maxPoints) return Array.from(values, (v, i) => ({ t: times[i]!, v }));
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const out: CurvePoint[] = [];
  push(out, times, values, 0);
  for (let b = 0; b < buckets; b++) {
    const [from, to] = bucketBounds(n, buckets, b);
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (values[i]! < values[lo]!) lo = i;
      if (values[i]! > values[hi]!) hi = i;
    }
    push(out, times, values, Math.min(lo, hi));
    push(out, times, values, Math.max(lo, hi));
  }
  push(out, times, values, n - 1);
  return out;
}

/** drawdown (<= 0, a fraction below the running peak): the first point, per bucket its deepest, the last */
export function downsampleDrawdown(times: Float64Array, equity: Float64Array, maxPoints = DEFAULT_CURVE_POINTS): CurvePoint[] {
  const dd = drawdownCurve(equity);
  const n = dd.length;
  if (n <= maxPoints) return Array.from(dd, (v, i) => ({ t: times[i]!, v }));
  const buckets = Math.max(1, maxPoints - 2);
  const out: CurvePoint[] = [];
  push(out, times, dd, 0);
  for (let b = 0; b < buckets; b++) {
    const [from, to] = bucketBounds(n, buckets, b);
    let deepest = from;
    for (let i = from + 1; i < to; i++) if (dd[i]! < dd[deepest]!) deepest = i;
    push(out, times, dd, deepest);
  }
  push(out, times, dd, n - 1);
  return out;
}
