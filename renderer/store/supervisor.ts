// Supervisor slice: manual (every proposal waits for a human) or autonomous.
import { create } from 'zustand';
import type { SupervisorMode } from '../../engine/domain/types';

export interface SupervisorSlice {
  mode: SupervisorMode | null;
}

export const useSupervisorStore = create<SupervisorSlice>(() => ({ mode: null }));
