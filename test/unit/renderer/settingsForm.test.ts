// The Settings form's field table and its draft/patch: every risk and dead-man setting is on the
// form with the range the contract's schema really enforces, percentages are typed in %, a save
// sends exactly what changed, and an engine refusal is pinned to the fields it names.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { DeadManSettingsSchema, parseRequest, RiskSettingsSchema,
  ReadinessThresholdsSchema, SettingsSchema, StrategySettingsSchema } from '../../../engine/api/contract';
import type { Settings } from '../../../engine/domain/types';
import { draftOf, patchFrom } from '../../../renderer/settingsDraft';
import { fieldsNamedIn, inRange, NUMERIC_FIELDS, rangeText, refusalFor, type NumericField } from '../../../renderer/settingsFields';
import { settings } from './fixtures';

function schemaOf(f: NumericField): z.ZodType {
  const [section, key] = f.path.split('.') as [string, string | undefined];
  const shapes: Record<string, Record<string, z.ZodType>> = {
    risk: RiskSettingsSchema.shape,
    deadMan: DeadManSettingsSchema.shape,
    strategy: StrategySettingsSchema.shape,
    readiness: ReadinessThresholdsSchema.shape,
  };
  const schema = key === undefined ? (SettingsSchema.shape as Record<string, z.ZodType>)[section] : shapes[section]?.[key];
  if (!schema) throw new Error(`no schema for ${f.path}`);
  return schema;
}

describe('settings field table', () => {
  it('covers every risk and dead-man setting of the contract, once', () => {
    const ids = NUMERIC_FIELDS.map((f) => f.path);
    expect(new Set(ids).size).toBe(ids.length);
    for (const key of Object.keys(RiskSettingsSchema.shape)) expect(ids).toContain(`risk.${key}`);
    for (const key of Object.keys(DeadManSettingsSchema.shape).filter((k) => k !== 'enabled')) expect(ids).toContain(`deadMan.${key}`);
    for (const key of Object.keys(ReadinessThresholdsSchema.shape)) expect(ids).toContain(`readiness.${key}`);
  });

  it.each(NUMERIC_FIELDS.map((f) => [f.path, f] as const))('%s: the range written down is the one the schema enforces', (_path, f) => {
    const schema = schemaOf(f);
    const ok = (v: number) => schema.safeParse(v).success;
    expect(ok(f.max)).toBe(true);
    expect(ok(f.max + (f.integer ? 1 : 1e-9))).toBe(false);
    if (f.minExclusive) {
      expect(ok(f.min)).toBe(false);
      expect(ok(f.min + 1e-9)).toBe(true);
    } else {
      expect(ok(f.min)).toBe(true);
      expect(ok(f.min - (f.integer ? 1 : 1e-9))).toBe(false);
    }
    if (f.integer) expect(ok(f.min + 0.5)).toBe(false);
    // and the form's own marking agrees at the edges
    const text = (stored: number) => String(f.unit === 'percent' ? stored * 100 : stored);
    expect(inRange(f, text(f.max))).toBe(true);
    expect(inRange(f, text(f.min))).toBe(!f.minExclusive);
  });

  it('states ranges in the units the user types: percentages in %', () => {
    const byId = (id: string) => NUMERIC_FIELDS.find((f) => f.id === id) as NumericField;
    expect(rangeText(byId('riskPerTradePct'))).toBe('above 0, at most 2 %');
    expect(rangeText(byId('maxGrossExposurePct'))).toBe('above 0, at most 200 %');
    expect(rangeText(byId('stopAtrMultiple'))).toBe('0.5–10 × ATR');
    expect(rangeText(byId('dataStaleSec'))).toBe('5–3600 s, whole number');
    expect(inRange(byId('riskPerTradePct'), '5')).toBe(false);
    expect(inRange(byId('riskPerTradePct'), '1.5')).toBe(true);
    expect(inRange(byId('maxOpenPositions'), '2.5')).toBe(false);
    expect(inRange(byId('maxOpenPositions'), 'five')).toBe(false);
  });
});

describe('settings draft and patch', () => {
  it('shows every percentage in % and every other number as stored', () => {
    const d = draftOf(settings);
    expect(d.riskPerTradePct).toBe('1');
    expect(d.maxPositionNotionalPct).toBe('20');
    expect(d.maxGrossExposurePct).toBe('100');
    expect(d.dailyLossAlertPct).toBe('2');
    expect(d.drawdownHaltPct).toBe('20');
    expect(d.liveExposureCapPct).toBe('5');
    expect(d.maxCorrelation).toBe('0.8');
    expect(d.stopAtrMultiple).toBe('2');
    expect(d.dataStaleSec).toBe('30');
    expect(d.deadManEnabled).toBe(true);
    expect(d.symbols).toBe('MSFT, AAPL');
  });

  it('sends nothing when nothing changed, even for values whose % has float noise', () => {
    const noisy: Settings = { ...settings, risk: { ...settings.risk, dailyLossAlertPct: 0.07, maxPositionNotionalPct: 0.123456789 } };
    expect(patchFrom(noisy, draftOf(noisy))).toEqual({});
  });

  it('sends every field when every field changed, percentages as fractions, in the right section', () => {
    const d = {
      ...draftOf(settings),
      riskPerTradePct: '1.5',
      stopAtrMultiple: '2.5',
      targetAtrMultiple: '4',
      maxPositionNotionalPct: '10',
      maxOpenPositions: '3',
      maxGrossExposurePct: '150',
      dailyLossAlertPct: '1',
      dailyLossReducePct: '3',
      drawdownAlertPct: '8',
      drawdownHaltPct: '15',
      volatilityBreakerMultiple: '4',
      staleDataBars: '3',
      maxCorrelation: '0.7',
      liveExposureCapPct: '2.5',
      dataStaleSec: '60',
      brokerLostSec: '45',
      deadManEnabled: false,
      fast: '5',
      slow: '30',
      symbols: 'aapl tsla',
      approvalTimeoutSec: '90',
    };
    expect(patchFrom(settings, d)).toEqual({
      risk: {
        riskPerTradePct: 0.015,
        stopAtrMultiple: 2.5,
        targetAtrMultiple: 4,
        maxPositionNotionalPct: 0.1,
        maxOpenPositions: 3,
        maxGrossExposurePct: 1.5,
        dailyLossAlertPct: 0.01,
        dailyLossReducePct: 0.03,
        drawdownAlertPct: 0.08,
        drawdownHaltPct: 0.15,
        volatilityBreakerMultiple: 4,
        staleDataBars: 3,
        maxCorrelation: 0.7,
        liveExposureCapPct: 0.025,
      },
      deadMan: { dataStaleSec: 60, brokerLostSec: 45, enabled: false },
      strategy: { fast: 5, slow: 30, symbols: ['AAPL', 'TSLA'] },
      approvalTimeoutSec: 90,
    });
  });

  it('makes a patch the contract accepts, and one it refuses when a value is out of range', () => {
    const good = patchFrom(settings, { ...draftOf(settings), riskPerTradePct: '2', brokerLostSec: '5' });
    expect(parseRequest('settings:update', { patch: good }).ok).toBe(true);
    const bad = patchFrom(settings, { ...draftOf(settings), riskPerTradePct: '5' });
    expect(bad).toEqual({ risk: { riskPerTradePct: 0.05 } });
    expect(parseRequest('settings:update', { patch: bad }).ok).toBe(false);
  });

  it('passes a blank or unreadable number on as NaN for the engine to refuse by name', () => {
    const patch = patchFrom(settings, { ...draftOf(settings), dataStaleSec: '', maxCorrelation: 'high' });
    expect(Number.isNaN(patch.deadMan?.dataStaleSec)).toBe(true);
    expect(Number.isNaN(patch.risk?.maxCorrelation)).toBe(true);
  });

  it('pins an engine refusal to the fields it names, and to no other', () => {
    const refused = parseRequest('settings:update', { patch: { risk: { riskPerTradePct: 0.05 }, deadMan: { brokerLostSec: 1 } } });
    if (refused.ok) throw new Error('the contract accepted an out-of-range patch');
    expect(refused.error.message).toMatch(/2%/);
    expect([...fieldsNamedIn(refused.error.message)].sort()).toEqual(['brokerLostSec', 'riskPerTradePct']);
    // the engine's cross-field refusals name both fields
    const order = 'risk.drawdownAlertPct (0.3) must not be above risk.drawdownHaltPct (0.2): the alert comes first';
    expect([...fieldsNamedIn(order)].sort()).toEqual(['drawdownAlertPct', 'drawdownHaltPct']);
    expect(fieldsNamedIn('strategy.fast (30) must be smaller than strategy.slow (20)')).toEqual(new Set(['fast', 'slow']));
    expect(fieldsNamedIn('the engine is shutting down').size).toBe(0);
  });

  it('puts under each named field its own clause, without the path', () => {
    const message = 'invalid settings:update request: patch.risk.riskPerTradePct: risk per trade must be at most 2%; patch.deadMan.brokerLostSec: dead-man broker timeout (s) must be at least 5';
    expect(refusalFor({ path: 'risk.riskPerTradePct' }, message)).toBe('risk per trade must be at most 2%');
    expect(refusalFor({ path: 'deadMan.brokerLostSec' }, message)).toBe('dead-man broker timeout (s) must be at least 5');
    const order = 'risk.drawdownAlertPct (0.3) must not be above risk.drawdownHaltPct (0.2): the alert comes first';
    expect(refusalFor({ path: 'risk.drawdownHaltPct' }, order)).toBe(order);
  });
});
