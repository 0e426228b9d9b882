// Account-level breakers and the dead-man switch. They watch the account and the feeds and
// change the trading state on their own: daily loss stops new entries (`reducing`), a deep
// drawdown pulls the emergency stop (`halted`), and in autonomous mode a silent market feed or a
// lost broker connection stops new entries. Each trip raises an alert; alerts are not repeated.
import type { AlertKind, AlertLevel, TradingStateRecord } from '../domain/types';
import type { EngineContext } from '../context';
import { pct } from '../util/format';

export interface BreakerActions {
  setState(rec: TradingStateRecord): void;
  emergencyStop(reason: string): void;
  alert(level: AlertLevel, kind: AlertKind, message: string): void;
}

const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10);

export class Breakers {
  private dailyAlertDay = '';
  private drawdownAlerted = false;
  private brokerDownSince: number | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly act: BreakerActions,
  ) {}

  /** After every mark to market. Cheap: a few comparisons. */
  onAccount(): void {
    const s = this.ctx.state;
    if (s.tradingState.state === 'halted') return;
    const a = s.account;
    const r = s.settings.risk;
    const now = this.ctx.clock.now();

    const dd = a.peakEquity > 0 ? (a.peakEquity - a.equity) / a.peakEquity : 0;
    if (dd >= r.drawdownHaltPct) {
      this.act.alert('critical', 'drawdown', `Drawdown ${pct(dd, 1)} from the equity peak reached the ${pct(r.drawdownHaltPct, 0)} limit: emergency stop`);
      this.act.emergencyStop(`drawdown ${pct(dd, 1)} >= ${pct(r.drawdownHaltPct, 0)}`);
      return;
    }
    if (dd >= r.drawdownAlertPct && !this.drawdownAlerted) {
      this.drawdownAlerted = true;
      this.act.alert('warning', 'drawdown', `Drawdown ${pct(dd, 1)} from the equity peak passed the ${pct(r.drawdownAlertPct, 0)} alert level (emergency stop at ${pct(r.drawdownHaltPct, 0)})`);
    } else if (dd < r.drawdownAlertPct / 2) {
      this.drawdownAlerted = false;
    }

    const loss = a.dayStartEquity > 0 ? (a.dayStartEquity - a.equity) / a.dayStartEquity : 0;
    if (loss >= r.dailyLossReducePct && s.tradingState.state === 'active') {
      const reason = `daily loss ${pct(loss, 1)} reached the ${pct(r.dailyLossReducePct, 0)} limit: no new entries today`;
      this.act.setState({ state: 'reducing', setBy: 'breaker', reason, at: now, latched: false });
      this.act.alert('critical', 'daily_loss', `Daily loss breaker tripped: ${reason}`);
    } else if (loss >= r.dailyLossAlertPct && this.dailyAlertDay !== utcDay(now)) {
      this.dailyAlertDay = utcDay(now);
      this.act.alert('warning', 'daily_loss', `Daily loss ${pct(loss, 1)} passed the ${pct(r.dailyLossAlertPct, 0)} alert level (new entries stop at ${pct(r.dailyLossReducePct, 0)})`);
    }
  }

  onBrokerConnection(connected: boolean): void {
    const now = this.ctx.clock.now();
    if (connected) this.brokerDownSince = null;
    else if (this.brokerDownSince === null) this.brokerDownSince = now;
  }

  /** From the housekeeping tick: the dead-man switch, active in autonomous mode only. */
  onTick(): void {
    const s = this.ctx.state;
    const dm = s.settings.deadMan;
    if (!dm.enabled || s.mode !== 'autonomous' || s.tradingState.state !== 'active') return;
    const now = this.ctx.clock.now();
    const dataAge = s.lastBarAt === null ? null : now - s.lastBarAt;
    if (dataAge !== null && dataAge > dm.dataStaleSec * 1000) {
      const reason = `dead-man switch: no market data for ${Math.round(dataAge / 1000)} s (limit ${dm.dataStaleSec} s)`;
      this.act.setState({ state: 'reducing', setBy: 'breaker', reason, at: now, latched: false });
      this.act.alert('critical', 'data_stale', `${reason}; new entries stopped`);
      return;
    }
    if (this.brokerDownSince !== null && now - this.brokerDownSince > dm.brokerLostSec * 1000) {
      const reason = `dead-man switch: broker connection lost for ${Math.round((now - this.brokerDownSince) / 1000)} s (limit ${dm.brokerLostSec} s)`;
      this.act.setState({ state: 'reducing', setBy: 'breaker', reason, at: now, latched: false });
      this.act.alert('critical', 'broker_lost', `${reason}; new entries stopped`);
    }
  }
}
