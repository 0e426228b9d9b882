// Settings slice: risk, strategy and approval settings as the engine last confirmed them.
import { create } from 'zustand';
import type { Settings } from '../../engine/domain/types';

export interface SettingsSlice {
  settings: Settings | null;
}

export const useSettingsStore = create<SettingsSlice>(() => ({ settings: null }));
