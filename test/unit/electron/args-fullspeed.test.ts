// --sim-speed max and --sim-extra-symbols: the headless host's flags for soak and load tests.
import { describe, expect, it } from 'vitest';
import { MAX_SIM_EXTRA_SYMBOLS, parseHeadlessArgs, parseMainArgs } from '../../../electron/args';

describe('full-speed simulator flags', () => {
  it('reads --sim-speed max in both hosts and --sim-extra-symbols in the headless host', () => {
    const h = parseHeadlessArgs(['--sim-speed', 'max', '--sim-extra-symbols=43']);
    expect(h.ok && [h.value.simSpeed, h.value.simExtraSymbols]).toEqual(['max', 43]);
    const m = parseMainArgs(['--sim-speed=max']);
    expect(m.ok && m.value.simSpeed).toBe('max');
    const none = parseHeadlessArgs([]);
    expect(none.ok && none.value.simExtraSymbols).toBeUndefined();
  });

  it.each([
    [['--sim-speed', 'MAX'], /--sim-speed must be .* or "max" .*got "MAX"/],
    [['--sim-speed', 'fast'], /or "max"/],
    [['--sim-extra-symbols', '-1'], /--sim-extra-symbols must be a whole number from 0 to 500/],
    [['--sim-extra-symbols', '2.5'], /--sim-extra-symbols must be a whole number/],
    [['--sim-extra-symbols', String(MAX_SIM_EXTRA_SYMBOLS + 1)], /got "501"/],
    [['--sim-extra-symbols', '5', '--broker', 'alpaca'], /works with --broker sim only/],
  ])('refuses %j with a message naming the flag', (argv, message) => {
    const r = parseHeadlessArgs(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('leaves --sim-extra-symbols to the headless host: the app (lenient parser) ignores it', () => {
    const m = parseMainArgs(['--sim-extra-symbols', '5']);
    expect(m.ok).toBe(true);
  });
});
