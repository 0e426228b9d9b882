// Every user command goes through here: it calls the API and, when the engine refuses or the
// link fails, shows why (a toast here; forms also show the message inline from the result).
import type { Channel, RequestInput, Result, ResultTypes, SettingsPatch } from '../engine/api/contract';
import type { Settings, SupervisorMode } from '../engine/domain/types';
import { api } from './api';
import { useApprovalsStore } from './store/approvals';
import { applyStopProgress, useKillSwitchStore } from './store/killswitch';
import { useReadinessStore } from './store/readiness';
import { useOrdersStore, upsertOrder } from './store/orders';
import { useSettingsStore } from './store/settings';
import { useSupervisorStore } from './store/supervisor';
import { pushToast } from './store/toasts';

async function command<C extends Channel>(
  channel: C,
  input: RequestInput<C>,
  failureTitle: string,
  toastOnError = true,
): Promise<Result<ResultTypes[C]>> {
  // both transports resolve every failure as a typed Result; nothing to catch here
  const result = await api.request(channel, input);
  if (!result.ok && toastOnError) pushToast('error', failureTitle, result.error.message);
  return result;
}

export type StopSource = 'ui' | 'shortcut';

/**
 * Engage the emergency stop. `flatten` true is the "Emergency stop + flatten" button; otherwise
 * the "Flatten on stop" setting decides (the engine falls back to it when nothing is sent).
 */
export async function engageEmergencyStop(source: StopSource, flatten?: true): Promise<void> {
  const armed = flatten ?? useSettingsStore.getState().settings?.flattenOnStop;
  const result = await command(
    'killswitch:engage',
    armed === undefined ? { source } : { source, flatten: armed },
    'Emergency stop failed',
  );
  if (result.ok) useKillSwitchStore.setState((s) => applyStopProgress(s, result.value));
}

/**
 * "Test emergency stop": the engine runs the whole stop sequence, records it and re-arms when it
 * passed. Returned for the panel to show a refusal inline. The checklist is read again after it,
 * since its drill item depends on the result.
 */
export async function runDrill(): Promise<Result<ResultTypes['killswitch:drill']>> {
  const result = await command('killswitch:drill', {}, 'Drill refused', false);
  if (result.ok) useKillSwitchStore.setState((s) => applyStopProgress(s, result.value));
  const readiness = await command('readiness:get', {}, 'Could not refresh the readiness checklist');
  if (readiness.ok) useReadinessStore.setState({ items: readiness.value });
  return result;
}

/** "Approve next N" (0 stops it). The panel shows a refusal inline. */
export async function approveNext(count: number): Promise<Result<ResultTypes['orders:approve_next']>> {
  const result = await command('orders:approve_next', { count }, 'Approve next refused', false);
  if (result.ok) useApprovalsStore.setState({ autoApproveRemaining: result.value.remaining });
  return result;
}

/** Re-arm after a stop. Errors are returned for the inline form rather than toasted. */
export async function rearm(reason: string): Promise<Result<ResultTypes['killswitch:rearm']>> {
  const result = await command('killswitch:rearm', { reason }, 'Re-arm refused', false);
  if (result.ok) useKillSwitchStore.setState({ tradingState: result.value });
  return result;
}

export async function setMode(mode: SupervisorMode): Promise<void> {
  const label = mode === 'autonomous' ? 'Autonomous' : 'Manual';
  const result = await command('supervisor:set_mode', { mode }, `Could not switch to ${label} mode`);
  if (result.ok) useSupervisorStore.setState({ mode: result.value.mode });
}

export async function approve(approvalId: string): Promise<void> {
  const result = await command('orders:approve', { approvalId }, 'Approval failed');
  if (result.ok) useOrdersStore.setState((s) => upsertOrder(s, result.value));
}

export async function reject(approvalId: string, reason?: string): Promise<void> {
  await command('orders:reject', reason ? { approvalId, reason } : { approvalId }, 'Reject failed');
}

export async function cancelOrder(clientOrderId: string): Promise<void> {
  const result = await command('orders:cancel', { clientOrderId }, 'Cancel failed');
  if (result.ok) useOrdersStore.setState((s) => upsertOrder(s, result.value));
}

/** Submit a manual ticket; the form shows the refusal inline. */
export async function submitOrder(input: RequestInput<'orders:submit'>): Promise<Result<ResultTypes['orders:submit']>> {
  const result = await command('orders:submit', input, 'Order refused', false);
  if (result.ok) useOrdersStore.setState((s) => upsertOrder(s, result.value));
  return result;
}

/** Change settings; the panel shows the refusal inline, toggles elsewhere get a toast. */
export async function updateSettings(patch: SettingsPatch, toastOnError: boolean): Promise<Result<Settings>> {
  const result = await command('settings:update', { patch }, 'Settings refused', toastOnError);
  if (result.ok) useSettingsStore.setState({ settings: result.value });
  return result;
}
