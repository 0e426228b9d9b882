// Curves for display: a backtest's equity and drawdown at every bar can be a million points, a
// screen shows a few thousand. Downsampling keeps each bucket's extremes (equity: lowest and
// highest; drawdown: deepest), so the peaks, the troughs and the maximum drawdown a user sees
// are the real ones, not an average that hides them.
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

/** equity: per bucket its lowest and highest point in time order; the last point always kept */
export function downsampleExtremes(times: Float64Array, values: Float64Array, maxPoints = DEFAULT_CURVE_POINTS): CurvePoint[] {
  const n = values.length;
  if (n <= maxPoints) return Array.from(values, (v, i) => ({ t: times[i]!, v }));
  const buckets = Math.max(1, Math.floor((maxPoints - 1) / 2));
  const out: CurvePoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const [from, to] = bucketBounds(n, buckets, b);
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (values[i]! < values[lo]!) lo = i;
      if (values[i]! > values[hi]!) hi = i;
    }
    for (const i of lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo]) out.push({ t: times[i]!, v: values[i]! });
  }
  if (out[out.length - 1]!.t !== times[n - 1]) out.push({ t: times[n - 1]!, v: values[n - 1]! });
  return out;
}

/** drawdown (<= 0, a fraction below the running peak): per bucket its deepest point; the last kept */
export function downsampleDrawdown(times: Float64Array, equity: Float64Array, maxPoints = DEFAULT_CURVE_POINTS): CurvePoint[] {
  const dd = drawdownCurve(equity);
  const n = dd.length;
  if (n <= maxPoints) return Array.from(dd, (v, i) => ({ t: times[i]!, v }));
  const buckets = Math.max(1, maxPoints - 1);
  const out: CurvePoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const [from, to] = bucketBounds(n, buckets, b);
    let deepest = from;
    for (let i = from + 1; i < to; i++) if (dd[i]! < dd[deepest]!) deepest = i;
    out.push({ t: times[deepest]!, v: dd[deepest]! });
  }
  if (out[out.length - 1]!.t !== times[n - 1]) out.push({ t: times[n - 1]!, v: dd[n - 1]! });
  return out;
}
