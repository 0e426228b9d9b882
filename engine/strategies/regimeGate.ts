// Gates any strategy by market regime: the inner strategy runs on every bar (so its
// indicators stay current), but the gated position is the inner one only while the regime is
// allowed, and flat otherwise (and while the regime is still unknown).
import type { Bar } from '../domain/types';
import { REGIMES, type Regime, type RegimeSource } from './regime';
import type { Direction, Signal, Strategy } from './types';

const regimeCode = (r: Regime | 'unknown'): number => REGIMES.indexOf(r as Regime);

export class RegimeGate implements Strategy {
  readonly id: string;
  readonly warmup: number;
  private readonly allowed: ReadonlySet<Regime>;
  private inner: Direction = 'flat';
  private stance: Direction = 'flat';

  constructor(
    private readonly strategy: Strategy,
    private readonly detector: RegimeSource,
    allowed: readonly Regime[],
  ) {
    if (allowed.length === 0) throw new RangeError(`regime gate needs at least one allowed regime (${REGIMES.join(', ')})`);
    for (const r of allowed) if (!REGIMES.includes(r)) throw new RangeError(`unknown regime "${r}"; use ${REGIMES.join(', ')}`);
    this.allowed = new Set(allowed);
    this.id = `${strategy.id}@${[...this.allowed].join('+')}`;
    this.warmup = Math.max(strategy.warmup, detector.warmup);
  }

  onBar(bar: Bar): Signal | null {
    const regime = this.detector.update(bar);
    const sig = this.strategy.onBar(bar);
    if (sig) this.inner = sig.direction;
    const open = regime !== 'unknown' && this.allowed.has(regime);
    const want: Direction = open ? this.inner : 'flat';
    if (want === this.stance) return null;
    this.stance = want;
    const reason = open ? (sig?.reason ?? `regime ${regime} allows ${this.strategy.id}: ${want}`) : `regime ${regime} is not allowed for ${this.strategy.id}: stand aside`;
    return { direction: want, reason, indicators: { ...(sig?.indicators ?? {}), regime: regimeCode(regime) } };
  }

  values(): Record<string, number> {
    return { ...this.strategy.values(), regime: regimeCode(this.detector.value) };
  }
}
