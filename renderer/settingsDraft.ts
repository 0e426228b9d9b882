// The settings form's fields as typed and the patch they make: pure, so it is unit-tested.
// A field counts as changed when its text differs from what the form showed for the current
// settings, so float noise (0.07 -> "7" -> 0.07000000000000001) never sends a change nobody made.
import type { SettingsPatch } from '../engine/api/contract';
import type { Settings } from '../engine/domain/types';
import { displayText, fromDisplay, NUMERIC_FIELDS, type NumericFieldId } from './settingsFields';

export type SettingsDraft = Record<NumericFieldId, string> & {
  /** comma- or space-separated */
  symbols: string;
  deadManEnabled: boolean;
};

export function draftOf(s: Settings): SettingsDraft {
  const numbers = Object.fromEntries(NUMERIC_FIELDS.map((f) => [f.id, displayText(f, f.read(s))])) as Record<NumericFieldId, string>;
  return { ...numbers, symbols: s.strategy.symbols.join(', '), deadManEnabled: s.deadMan.enabled };
}

function parseSymbols(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((x) => x.trim().toUpperCase())
    .filter((x) => x !== '');
}

/**
 * The patch from the current settings to the draft: only what changed, percentages as fractions.
 * Numbers the user mangled go through as NaN for the engine's validation to name (the transport
 * carries them as null, which the schema refuses by field).
 */
export function patchFrom(current: Settings, d: SettingsDraft): SettingsPatch {
  const shown = draftOf(current);
  const patch: SettingsPatch = {};
  for (const f of NUMERIC_FIELDS) {
    const text = d[f.id].trim();
    if (text === shown[f.id]) continue;
    const typed = text === '' ? Number.NaN : Number(text);
    const value = fromDisplay(f, typed);
    if (value === f.read(current)) continue;
    f.write(patch, value);
  }
  const symbols = parseSymbols(d.symbols);
  if (symbols.join(',') !== current.strategy.symbols.join(',')) patch.strategy = { ...patch.strategy, symbols };
  if (d.deadManEnabled !== current.deadMan.enabled) patch.deadMan = { ...patch.deadMan, enabled: d.deadManEnabled };
  return patch;
}
