// Which key presses are commands. Pure, so the chord itself is unit-tested.

/** Ctrl+Shift+K (Cmd+Shift+K on macOS): the emergency stop, from anywhere in the window. */
export function isEmergencyStopChord(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>): boolean {
  return e.shiftKey && (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k';
}

/** A / R act on the first approval; only bare letters, never while a modifier is held. */
export function approvalKey(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'repeat'>): 'approve' | 'reject' | null {
  if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return null;
  const key = e.key.toLowerCase();
  return key === 'a' ? 'approve' : key === 'r' ? 'reject' : null;
}
