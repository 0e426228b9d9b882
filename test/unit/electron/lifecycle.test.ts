import { describe, expect, it, vi } from 'vitest';
import { createQuitGate } from '../../../electron/lifecycle';

const tick = () => new Promise((r) => setImmediate(r));

describe('createQuitGate', () => {
  it('holds the quit until the engine has shut down, once, then lets it through', async () => {
    let finish!: () => void;
    const shutdown = vi.fn(() => new Promise<void>((r) => (finish = r)));
    const quit = vi.fn();
    const gate = createQuitGate({ shutdown, quit, log: vi.fn() });
    const first = { preventDefault: vi.fn() };
    const second = { preventDefault: vi.fn() };
    gate(first);
    gate(second);
    expect(first.preventDefault).toHaveBeenCalled();
    expect(second.preventDefault).toHaveBeenCalled();
    expect(shutdown).toHaveBeenCalledTimes(1);
    await tick();
    expect(quit).not.toHaveBeenCalled();
    finish();
    await tick();
    expect(quit).toHaveBeenCalledTimes(1);
    const last = { preventDefault: vi.fn() };
    gate(last);
    expect(last.preventDefault).not.toHaveBeenCalled();
  });

  it('quits anyway after the timeout when shutdown hangs, and after a failed shutdown', async () => {
    const log = vi.fn();
    const quit = vi.fn();
    createQuitGate({ shutdown: () => new Promise<void>(() => undefined), quit, log, timeoutMs: 20 })({ preventDefault: vi.fn() });
    await vi.waitFor(() => expect(quit).toHaveBeenCalledTimes(1));
    expect(log).toHaveBeenCalledWith('error', expect.stringMatching(/quitting anyway/));

    const quit2 = vi.fn();
    createQuitGate({ shutdown: () => Promise.reject(new Error('disk full')), quit: quit2, log })({ preventDefault: vi.fn() });
    await vi.waitFor(() => expect(quit2).toHaveBeenCalledTimes(1));
    expect(log).toHaveBeenCalledWith('error', expect.stringMatching(/disk full/));
  });
});
