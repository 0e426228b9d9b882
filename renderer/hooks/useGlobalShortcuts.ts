// Keyboard: Ctrl/Cmd+Shift+K engages the emergency stop from anywhere (even inside a form);
// A / R approve or reject the oldest pending approval when the user is not typing.
import { useEffect } from 'react';
import { approve, engageEmergencyStop, reject } from '../actions';
import { approvalKey, isEmergencyStopChord } from '../shortcuts';
import { pendingApprovals, useApprovalsStore } from '../store/approvals';

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function useGlobalShortcuts(): void {
  useEffect(() => {
    function onKeyDown(e: KeyboardEvent): void {
      if (isEmergencyStopChord(e)) {
        e.preventDefault();
        if (!e.repeat) void engageEmergencyStop('shortcut');
        return;
      }
      const action = approvalKey(e);
      if (action === null || isTyping(e.target)) return;
      const first = pendingApprovals(useApprovalsStore.getState().approvals)[0];
      if (!first) return;
      e.preventDefault();
      if (action === 'approve') void approve(first.id);
      else void reject(first.id, 'rejected from the keyboard');
    }
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
