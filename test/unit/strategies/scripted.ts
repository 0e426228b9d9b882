// A stand-in strategy for composition tests: emits the directions it is scripted to, by bar.
import type { Bar } from '../../../engine/domain/types';
import type { Direction, Signal, Strategy } from '../../../engine/strategies/types';

export class ScriptedStrategy implements Strategy {
  readonly warmup = 0;
  private bar = 0;
  constructor(
    readonly id: string,
    private readonly script: Readonly<Record<number, Direction>>,
  ) {}
  onBar(_bar: Bar): Signal | null {
    const d = this.script[this.bar++];
    return d ? { direction: d, reason: `${this.id} scripted ${d}`, indicators: {} } : null;
  }
  values(): Record<string, number> {
    return {};
  }
}
