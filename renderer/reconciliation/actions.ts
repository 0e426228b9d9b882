// The Reconciliation screen's requests. The engine answers `reconcile:resolve` with the resolved
// item and also publishes the whole list (`reconcile:updated`); applying the answer here as well
// keeps the screen right if the event is slow.
import type { Result } from '../../engine/api/contract';
import type { ReconciliationAction, ReconciliationItem } from '../../engine/domain/types';
import { api } from '../api';
import { pushToast } from '../store/toasts';
import { applyReconciliation, useReconciliationStore } from './store';

export async function resolveItem(id: string, action: ReconciliationAction): Promise<Result<ReconciliationItem>> {
  const r = await api.request('reconcile:resolve', { id, action });
  if (r.ok) {
    const resolved = r.value;
    applyReconciliation(useReconciliationStore.getState().items.map((i) => (i.id === resolved.id ? resolved : i)));
  }
  return r;
}

/** "Check again": compare the journal with the broker now. */
export async function checkAgain(): Promise<void> {
  const r = await api.request('reconcile:run', {});
  if (r.ok) applyReconciliation(r.value);
  else pushToast('error', 'Could not check with the broker', r.error.message);
}
