// Settings form patches, keyboard chords, on-screen formats and reconnect delays.
import { describe, expect, it } from 'vitest';
import { countdown, durationMs, signedMoney } from '../../../renderer/format';
import { draftOf, patchFrom } from '../../../renderer/settingsDraft';
import { approvalKey, isEmergencyStopChord } from '../../../renderer/shortcuts';
import { BACKOFF_MAX_MS, reconnectDelayMs } from '../../../renderer/transport/backoff';
import { settings } from './fixtures';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean; repeat: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  repeat: false,
  ...mods,
});

describe('settings form', () => {
  it('sends nothing when nothing changed', () => {
    expect(patchFrom(settings, draftOf(settings))).toEqual({});
  });

  it('sends only the changed fields, percentages as fractions, symbols upper-cased', () => {
    const draft = { ...draftOf(settings), riskPerTradePct: '1.5', slow: '50', symbols: 'aapl, tsla' };
    expect(patchFrom(settings, draft)).toEqual({
      risk: { riskPerTradePct: 0.015 },
      strategy: { slow: 50, symbols: ['AAPL', 'TSLA'] },
    });
  });

  it('passes an unreadable number on as NaN for the engine to refuse by name', () => {
    const patch = patchFrom(settings, { ...draftOf(settings), approvalTimeoutSec: 'soon' });
    expect(Number.isNaN(patch.approvalTimeoutSec)).toBe(true);
  });
});

describe('keyboard', () => {
  it('engages the stop on Ctrl+Shift+K and Cmd+Shift+K only', () => {
    expect(isEmergencyStopChord(key('K', { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(isEmergencyStopChord(key('k', { metaKey: true, shiftKey: true }))).toBe(true);
    expect(isEmergencyStopChord(key('k', { ctrlKey: true }))).toBe(false);
    expect(isEmergencyStopChord(key('K', { shiftKey: true }))).toBe(false);
    expect(isEmergencyStopChord(key('k', { ctrlKey: true, shiftKey: true, altKey: true }))).toBe(false);
  });

  it('maps bare A / R to approve / reject, nothing with modifiers or auto-repeat', () => {
    expect(approvalKey(key('a'))).toBe('approve');
    expect(approvalKey(key('R'))).toBe('reject');
    expect(approvalKey(key('a', { ctrlKey: true }))).toBeNull();
    expect(approvalKey(key('a', { repeat: true }))).toBeNull();
    expect(approvalKey(key('x'))).toBeNull();
  });
});

describe('formats', () => {
  it('shows countdowns rounded up, so 0:00 means expired', () => {
    expect(countdown(59_001)).toBe('1:00');
    expect(countdown(5_000)).toBe('0:05');
    expect(countdown(0)).toBe('0:00');
    expect(countdown(3_725_000)).toBe('1:02:05');
  });

  it('signs P&L and measures step durations', () => {
    expect(signedMoney(12.5)).toBe('+$12.50');
    expect(signedMoney(-3)).toBe('-$3.00');
    expect(signedMoney(null)).toBe('–');
    expect(durationMs(10, 25)).toBe(15);
    expect(durationMs(10, null)).toBeNull();
  });
});

describe('reconnect backoff', () => {
  it('doubles from 250 ms up to a 10 s cap, jitter only shortening it', () => {
    expect(reconnectDelayMs(1, () => 0)).toBe(250);
    expect(reconnectDelayMs(2, () => 0)).toBe(500);
    expect(reconnectDelayMs(30, () => 0)).toBe(BACKOFF_MAX_MS);
    expect(reconnectDelayMs(30, () => 1)).toBe(BACKOFF_MAX_MS * 0.8);
  });
});
