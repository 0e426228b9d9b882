// What to test and how: the data, the kind of run, the strategy and its parameters (inputs built
// from the catalogue's ParamSpec, checked inline), the costs and sizing, then Run.
import { useState, type ReactNode } from 'react';
import type { LabCatalogue, LabRunKind, LabStrategyInfo, ParamSpec } from '../../engine/api/lab';
import { assertNever } from '../assertNever';
import { runBacktest, runSweep, runWalkForward } from './actions';
import {
  addMember,
  buildRequest,
  ENSEMBLE_ID,
  MAX_MEMBERS,
  memberDraft,
  patchDraft,
  startEnsemble,
  strategyDraft,
  useLabFormStore,
  type BuiltRequest,
  type CostsDraft,
  type EnsembleDraft,
  type EnsembleRule,
  type LabFormDraft,
  type Objective,
  type SizingDraft,
} from './formDraft';
import { ImportCsv } from './ImportCsv';
import { paramProblem } from './paramForm';
import { RunProgress } from './RunProgress';
import { useLabStore } from './store';

const MODES: { id: LabRunKind; label: string }[] = [
  { id: 'backtest', label: 'Backtest' },
  { id: 'walk-forward', label: 'Walk-forward' },
  { id: 'sweep', label: 'Sweep' },
];

const OBJECTIVES: { id: Objective; label: string }[] = [
  { id: 'sharpe', label: 'Sharpe' },
  { id: 'sortino', label: 'Sortino' },
  { id: 'calmar', label: 'Calmar' },
  { id: 'totalReturn', label: 'Total return' },
];

function Field(props: { label: string; problem?: string | undefined; children: ReactNode; hint?: string }) {
  return (
    <label className={props.problem ? 'has-problem' : undefined}>
      {props.label}
      {props.children}
      {props.hint && !props.problem && <span className="field-hint">{props.hint}</span>}
      {props.problem && <span className="field-problem">{props.problem}</span>}
    </label>
  );
}

function DataPicker(props: { draft: LabFormDraft; problem: string | undefined }) {
  const datasets = useLabStore((s) => s.datasets);
  const [importing, setImporting] = useState(false);
  const sim = datasets.filter((d) => d.source === 'sim');
  const csv = datasets.filter((d) => d.source === 'csv');
  const label = (d: (typeof datasets)[number]) => `${d.name} · ${d.bars.toLocaleString('en-US')} bars`;
  return (
    <fieldset>
      <legend>Data</legend>
      <Field label="Dataset" problem={props.problem}>
        <select aria-label="Dataset" data-testid="lab-dataset" value={props.draft.dataset} onChange={(e) => patchDraft({ dataset: e.target.value })}>
          {datasets.length === 0 && <option value="">No data yet</option>}
          {sim.length > 0 && (
            <optgroup label="Simulator (cached bars)">
              {sim.map((d) => (
                <option key={d.id} value={d.id}>
                  {label(d)}
                </option>
              ))}
            </optgroup>
          )}
          {csv.length > 0 && (
            <optgroup label="Imported CSV">
              {csv.map((d) => (
                <option key={d.id} value={d.id}>
                  {label(d)}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </Field>
      <button type="button" className="btn btn-small" onClick={() => setImporting(!importing)} aria-expanded={importing}>
        {importing ? 'Close import' : 'Import CSV…'}
      </button>
      {importing && <ImportCsv />}
    </fieldset>
  );
}

function ParamInputs(props: { specs: readonly ParamSpec[]; draft: LabFormDraft; problems: Record<string, string> }) {
  const { draft } = props;
  const gridMode = draft.mode !== 'backtest';
  return (
    <div className="lab-params">
      {props.specs.map((s) => {
        const swept = gridMode && draft.grid[s.name]?.on === true;
        const g = draft.grid[s.name];
        const setGrid = (patch: Partial<NonNullable<typeof g>>) => g && patchDraft({ grid: { ...draft.grid, [s.name]: { ...g, ...patch } } });
        return (
          <div key={s.name} className="lab-param" data-testid={`lab-param-${s.name}`}>
            {!swept && (
              <Field label={s.label} problem={props.problems[`param.${s.name}`]} hint={`${s.min} – ${s.max}, default ${s.default}`}>
                <input
                  inputMode="decimal"
                  aria-label={s.label}
                  value={draft.params[s.name] ?? ''}
                  aria-invalid={paramProblem(s, draft.params[s.name] ?? '') !== null}
                  onChange={(e) => patchDraft({ params: { ...draft.params, [s.name]: e.target.value } })}
                />
              </Field>
            )}
            {gridMode && g && (
              <div className="lab-grid-row">
                <label className="check">
                  <input type="checkbox" checked={g.on} onChange={(e) => setGrid({ on: e.target.checked })} /> {swept ? `${s.label}: sweep` : 'sweep'}
                </label>
                {swept && (
                  <>
                    <input aria-label={`${s.name} from`} value={g.from} onChange={(e) => setGrid({ from: e.target.value })} />
                    <span className="muted">to</span>
                    <input aria-label={`${s.name} to`} value={g.to} onChange={(e) => setGrid({ to: e.target.value })} />
                    <span className="muted">step</span>
                    <input aria-label={`${s.name} step`} value={g.step} onChange={(e) => setGrid({ step: e.target.value })} />
                  </>
                )}
                {props.problems[`grid.${s.name}`] && <span className="field-problem">{props.problems[`grid.${s.name}`]}</span>}
              </div>
            )}
          </div>
        );
      })}
      {props.problems.grid && <p className="field-problem">{props.problems.grid}</p>}
    </div>
  );
}

const RULES: { id: EnsembleRule; label: string; hint: string }[] = [
  { id: 'consensus', label: 'Consensus (k agree)', hint: 'trades when at least k members agree and none disagrees' },
  { id: 'weighted', label: 'Weighted vote', hint: 'each member weighs by the return its own stance earned over the lookback; losers weigh 0' },
  { id: 'confidence', label: 'Confidence threshold', hint: '(longs − shorts) / members must reach the threshold' },
];

/** one member: its strategy and that strategy's parameters, checked inline like a single strategy's */
function MemberFields(props: { index: number; strategies: readonly LabStrategyInfo[]; ensemble: EnsembleDraft; problems: Record<string, string> }) {
  const { index, strategies, ensemble, problems } = props;
  const member = ensemble.members[index]!;
  const def = strategies.find((s) => s.id === member.strategyId);
  const n = index + 1;
  const setMembers = (members: EnsembleDraft['members']) => patchDraft({ ensemble: { ...ensemble, members } });
  const replace = (patch: Partial<typeof member>) => setMembers(ensemble.members.map((m, i) => (i === index ? { ...m, ...patch } : m)));
  return (
    <div className={`lab-member ${problems[`member.${index}`] ? 'has-problem' : ''}`} data-testid={`lab-member-${index}`}>
      <div className="lab-member-head">
        <select
          aria-label={`Member ${n} strategy`}
          value={member.strategyId}
          onChange={(e) => {
            const next = strategies.find((s) => s.id === e.target.value);
            if (next) replace(memberDraft(next));
          }}
        >
          {strategies.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <button type="button" className="btn btn-small" aria-label={`Remove member ${n}`} onClick={() => setMembers(ensemble.members.filter((_, i) => i !== index))}>
          Remove
        </button>
      </div>
      {problems[`member.${index}`] && <span className="field-problem">{problems[`member.${index}`]}</span>}
      <div className="lab-params">
        {def?.params.map((s) => (
          <Field key={s.name} label={s.label} problem={problems[`member.${index}.param.${s.name}`]} hint={`${s.min} – ${s.max}, default ${s.default}`}>
            <input
              inputMode="decimal"
              aria-label={`Member ${n} ${s.label}`}
              value={member.params[s.name] ?? ''}
              aria-invalid={problems[`member.${index}.param.${s.name}`] !== undefined}
              onChange={(e) => replace({ params: { ...member.params, [s.name]: e.target.value } })}
            />
          </Field>
        ))}
      </div>
    </div>
  );
}

/** the members (2 to MAX_MEMBERS) and the voting rule the engine's ensemble offers */
function EnsembleFields(props: { strategies: readonly LabStrategyInfo[]; ensemble: EnsembleDraft; problems: Record<string, string> }) {
  const { strategies, ensemble, problems } = props;
  const set = (patch: Partial<EnsembleDraft>) => patchDraft({ ensemble: { ...ensemble, ...patch } });
  const rule = RULES.find((r) => r.id === ensemble.rule);
  return (
    <div className="lab-ensemble" data-testid="lab-ensemble">
      <span className="muted">Members: no trade when they conflict</span>
      {ensemble.members.map((_, i) => (
        <MemberFields key={i} index={i} strategies={strategies} ensemble={ensemble} problems={problems} />
      ))}
      <button type="button" className="btn btn-small" disabled={ensemble.members.length >= MAX_MEMBERS} onClick={() => set(addMember(ensemble, strategies))}>
        Add member
      </button>
      {problems.ensemble && (
        <p className="field-problem" role="alert" data-testid="lab-ensemble-problem">
          {problems.ensemble}
        </p>
      )}
      <div className="lab-params">
        <Field label="Voting rule" hint={rule?.hint}>
          <select aria-label="Voting rule" value={ensemble.rule} onChange={(e) => set({ rule: e.target.value as EnsembleRule })}>
            {RULES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </Field>
        {ensemble.rule === 'consensus' && (
          <Field label="Members that must agree (k)" problem={problems['ensemble.k']}>
            <input inputMode="numeric" value={ensemble.k} onChange={(e) => set({ k: e.target.value })} />
          </Field>
        )}
        {ensemble.rule === 'weighted' && (
          <Field label="Lookback (bars)" problem={problems['ensemble.lookback']}>
            <input inputMode="numeric" value={ensemble.lookback} onChange={(e) => set({ lookback: e.target.value })} />
          </Field>
        )}
        {ensemble.rule !== 'consensus' && (
          <Field label="Threshold (0 – 1]" problem={problems['ensemble.threshold']}>
            <input inputMode="decimal" value={ensemble.threshold} onChange={(e) => set({ threshold: e.target.value })} />
          </Field>
        )}
      </div>
    </div>
  );
}

function StrategyFields(props: { catalogue: LabCatalogue; draft: LabFormDraft; problems: Record<string, string> }) {
  const { catalogue, draft } = props;
  const def = catalogue.strategies.find((s) => s.id === draft.strategyId);
  const ensemble = draft.strategyId === ENSEMBLE_ID;
  return (
    <fieldset>
      <legend>Strategy</legend>
      <Field label="Strategy" problem={props.problems.strategy}>
        <select
          aria-label="Strategy"
          value={draft.strategyId}
          onChange={(e) => {
            if (e.target.value === ENSEMBLE_ID) {
              patchDraft({ strategyId: ENSEMBLE_ID, ensemble: startEnsemble(draft, catalogue.strategies) });
              return;
            }
            const next = catalogue.strategies.find((s) => s.id === e.target.value);
            if (next) patchDraft({ strategyId: next.id, ...strategyDraft(next.params) });
          }}
        >
          {catalogue.strategies.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
          {/* sweeps and walk-forward vary one catalogue strategy's parameters: an ensemble is a backtest */}
          <option value={ENSEMBLE_ID} disabled={draft.mode !== 'backtest'}>
            {draft.mode === 'backtest' ? 'Ensemble (combine strategies)' : 'Ensemble (backtest only)'}
          </option>
        </select>
      </Field>
      {def && <p className="field-hint">{def.description}</p>}
      {def && <ParamInputs specs={def.params} draft={draft} problems={props.problems} />}
      {ensemble && draft.mode === 'backtest' && <EnsembleFields strategies={catalogue.strategies} ensemble={draft.ensemble} problems={props.problems} />}
      {draft.mode === 'backtest' && (
        <div className="lab-regimes">
          <span className="muted">Trade only in regimes (none ticked: always)</span>
          {catalogue.regimes.map((r) => (
            <label key={r} className="check">
              <input
                type="checkbox"
                checked={draft.regimes.includes(r)}
                onChange={(e) => patchDraft({ regimes: e.target.checked ? [...draft.regimes, r] : draft.regimes.filter((x) => x !== r) })}
              />{' '}
              {r}
            </label>
          ))}
        </div>
      )}
    </fieldset>
  );
}

function WalkForwardFields(props: { draft: LabFormDraft; problems: Record<string, string> }) {
  const { draft, problems } = props;
  return (
    <fieldset>
      <legend>Windows</legend>
      <Field label="Train (bars)" problem={problems.trainBars}>
        <input inputMode="numeric" value={draft.trainBars} onChange={(e) => patchDraft({ trainBars: e.target.value })} />
      </Field>
      <Field label="Test (bars)" problem={problems.testBars}>
        <input inputMode="numeric" value={draft.testBars} onChange={(e) => patchDraft({ testBars: e.target.value })} />
      </Field>
      <Field label="Step (bars)" problem={problems.stepBars} hint="empty: the test length">
        <input inputMode="numeric" value={draft.stepBars} onChange={(e) => patchDraft({ stepBars: e.target.value })} />
      </Field>
      <label className="check">
        <input type="checkbox" checked={draft.anchored} onChange={(e) => patchDraft({ anchored: e.target.checked })} /> Anchored (train from the first bar)
      </label>
    </fieldset>
  );
}

function CostsFields(props: { draft: LabFormDraft; problems: Record<string, string> }) {
  const { draft, problems } = props;
  const c = draft.costs;
  const set = (patch: Partial<CostsDraft>) => patchDraft({ costs: { ...c, ...patch } });
  return (
    <fieldset>
      <legend>Costs</legend>
      <Field label="Commission (% of notional)" problem={problems.commissionPct}>
        <input inputMode="decimal" value={c.commissionPct} onChange={(e) => set({ commissionPct: e.target.value })} />
      </Field>
      <Field label="Per share ($)" problem={problems.perShare}>
        <input inputMode="decimal" value={c.perShare} onChange={(e) => set({ perShare: e.target.value })} />
      </Field>
      <Field label="Per fill ($)" problem={problems.fixed}>
        <input inputMode="decimal" value={c.fixed} onChange={(e) => set({ fixed: e.target.value })} />
      </Field>
      <Field label="Slippage">
        <select aria-label="Slippage" value={c.slippage} onChange={(e) => set({ slippage: e.target.value as CostsDraft['slippage'] })}>
          <option value="none">None</option>
          <option value="bps">Basis points</option>
          <option value="atr">Fraction of ATR</option>
        </select>
      </Field>
      {c.slippage === 'bps' && (
        <Field label="Slippage (bps)" problem={problems.bps}>
          <input inputMode="decimal" value={c.bps} onChange={(e) => set({ bps: e.target.value })} />
        </Field>
      )}
      {c.slippage === 'atr' && (
        <Field label="Slippage (x ATR)" problem={problems.atrFraction}>
          <input inputMode="decimal" value={c.atrFraction} onChange={(e) => set({ atrFraction: e.target.value })} />
        </Field>
      )}
    </fieldset>
  );
}

function SizingFields(props: { draft: LabFormDraft; problems: Record<string, string> }) {
  const { draft, problems } = props;
  const z = draft.sizing;
  const set = (patch: Partial<SizingDraft>) => patchDraft({ sizing: { ...z, ...patch } });
  return (
    <fieldset>
      <legend>Money</legend>
      <Field label="Starting cash ($)" problem={problems.cash}>
        <input inputMode="decimal" value={draft.cash} onChange={(e) => patchDraft({ cash: e.target.value })} />
      </Field>
      <Field label="Sizing">
        <select aria-label="Sizing" value={z.kind} onChange={(e) => set({ kind: e.target.value as SizingDraft['kind'] })}>
          <option value="all-in">All in</option>
          <option value="fixed-fraction">Fixed fraction of equity</option>
          <option value="risk">Risk-based (ATR stop)</option>
        </select>
      </Field>
      {z.kind === 'fixed-fraction' && (
        <Field label="Position (% of equity)" problem={problems.fractionPct}>
          <input inputMode="decimal" value={z.fractionPct} onChange={(e) => set({ fractionPct: e.target.value })} />
        </Field>
      )}
      {z.kind === 'risk' && (
        <>
          <Field label="Risk per trade (% of equity)" problem={problems.riskPct}>
            <input inputMode="decimal" value={z.riskPct} onChange={(e) => set({ riskPct: e.target.value })} />
          </Field>
          <Field label="Stop (x ATR)" problem={problems.stopAtr}>
            <input inputMode="decimal" value={z.stopAtr} onChange={(e) => set({ stopAtr: e.target.value })} />
          </Field>
        </>
      )}
      <label className="check">
        <input type="checkbox" checked={draft.allowShort} onChange={(e) => patchDraft({ allowShort: e.target.checked })} /> Allow short
      </label>
      <label className="check" title="Entries the app's current risk settings would refuse in live trading are refused here too, and counted">
        <input type="checkbox" checked={draft.riskGate} onChange={(e) => patchDraft({ riskGate: e.target.checked })} /> Apply live risk limits
      </label>
    </fieldset>
  );
}

async function send(request: BuiltRequest) {
  switch (request.kind) {
    case 'backtest':
      return runBacktest(request.input);
    case 'walk-forward':
      return runWalkForward(request.input);
    case 'sweep':
      return runSweep(request.input);
    default:
      return assertNever(request);
  }
}

export function SetupForm() {
  const draft = useLabFormStore((s) => s.draft);
  const catalogue = useLabStore((s) => s.catalogue);
  const running = useLabStore((s) => s.runs[draft.mode]);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  if (!catalogue) return <p className="empty">Loading the strategy catalogue…</p>;
  const specs = catalogue.strategies.find((s) => s.id === draft.strategyId)?.params ?? [];
  const built = buildRequest(draft, specs, catalogue.strategies);
  const problems = built.ok ? {} : built.problems;

  async function run(): Promise<void> {
    if (!built.ok) return;
    setSending(true);
    setRefusal(null);
    const r = await send(built.request);
    setSending(false);
    if (!r.ok) setRefusal(r.error.message);
  }

  return (
    <div className="lab-setup">
      <div className="lab-modes" role="tablist" aria-label="Run kind">
        {MODES.map((m) => (
          <button
            key={m.id}
            type="button"
            role="tab"
            aria-selected={draft.mode === m.id}
            className={`tab ${draft.mode === m.id ? 'tab-on' : ''}`}
            onClick={() => {
              patchDraft({ mode: m.id });
              setRefusal(null);
            }}
          >
            {m.label}
          </button>
        ))}
      </div>
      <DataPicker draft={draft} problem={problems.dataset} />
      <StrategyFields catalogue={catalogue} draft={draft} problems={problems} />
      {draft.mode === 'walk-forward' && <WalkForwardFields draft={draft} problems={problems} />}
      <CostsFields draft={draft} problems={problems} />
      <SizingFields draft={draft} problems={problems} />
      <fieldset>
        <legend>Run</legend>
        {draft.mode !== 'backtest' && (
          <Field label={draft.mode === 'sweep' ? 'Rank by' : 'Choose parameters by (train windows)'}>
            <select aria-label="Objective" value={draft.objective} onChange={(e) => patchDraft({ objective: e.target.value as Objective })}>
              {OBJECTIVES.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.label}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field label="Name (optional)">
          <input value={draft.name} onChange={(e) => patchDraft({ name: e.target.value })} placeholder="from the strategy and data" maxLength={80} />
        </Field>
        <div className="lab-run-row">
          <button type="button" className="btn btn-primary" data-testid="lab-run" disabled={!built.ok || sending || running !== null} onClick={() => void run()}>
            {running ? 'Running…' : `Run ${MODES.find((m) => m.id === draft.mode)?.label.toLowerCase()}`}
            {built.ok && built.request.kind === 'sweep' ? ` (${built.request.points} points)` : ''}
          </button>
        </div>
        {refusal && (
          <p className="inline-error" role="alert" data-testid="lab-refusal">
            {refusal}
          </p>
        )}
        <RunProgress kind={draft.mode} />
      </fieldset>
    </div>
  );
}
