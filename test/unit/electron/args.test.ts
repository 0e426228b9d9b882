import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseCliArgs, parseHeadlessArgs, parseMainArgs } from '../../../electron/args';

describe('parseMainArgs (Electron argv, lenient)', () => {
  it('reads --data-dir, --broker, --sim-seed and --sim-speed in both spellings, resolving the dir against cwd', () => {
    const r = parseMainArgs(['.', '--data-dir', 'data', '--broker=sim', '--sim-seed', '7', '--sim-speed=2.5'], '/home/u');
    expect(r).toEqual({ ok: true, value: { dataDir: '/home/u/data', broker: 'sim', simSeed: 7, simSpeed: 2.5 } });
  });

  it('defaults to the simulator and no data dir (the host picks userData)', () => {
    expect(parseMainArgs([])).toEqual({ ok: true, value: { dataDir: null, broker: 'sim', simSeed: undefined, simSpeed: undefined } });
  });

  it('skips Chromium switches and the app path it does not know', () => {
    const r = parseMainArgs(['/app', '--inspect=0', '--remote-debugging-port=0', '--no-sandbox', '--sim-seed', '3']);
    expect(r.ok && r.value.simSeed).toBe(3);
  });

  it.each([
    [['--broker', 'ibkr'], /--broker must be "sim" or "alpaca", got "ibkr"/],
    [['--sim-seed', '-1'], /--sim-seed must be a whole number/],
    [['--sim-seed', '1.5'], /--sim-seed must be a whole number/],
    [['--sim-seed', '99999999999'], /--sim-seed/],
    [['--sim-speed', 'NaN'], /--sim-speed must be/],
    [['--sim-speed', '0'], /--sim-speed must be/],
    [['--sim-speed', '1e9'], /at most 1000/],
    [['--data-dir'], /--data-dir needs a value/],
    [['--data-dir', '--broker', 'sim'], /--data-dir needs a value/],
  ])('refuses %j with a message naming the flag', (argv, message) => {
    const r = parseMainArgs(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe('parseHeadlessArgs (strict)', () => {
  it('reads port, token and host; port defaults to 0 (ephemeral) and host to 127.0.0.1', () => {
    const r = parseHeadlessArgs(['--port', '8080', '--token', 'abc', '--data-dir', '/d']);
    expect(r).toEqual({
      ok: true,
      value: { dataDir: '/d', broker: 'sim', simSeed: undefined, simSpeed: undefined, host: '127.0.0.1', port: 8080, allowRemote: false, token: 'abc', help: false },
    });
    const d = parseHeadlessArgs([]);
    expect(d.ok && [d.value.port, d.value.host, d.value.token]).toEqual([0, '127.0.0.1', null]);
  });

  it('refuses a non-loopback --host unless --allow-remote is given', () => {
    const refused = parseHeadlessArgs(['--host', '0.0.0.0']);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.message).toMatch(/refusing to listen on "0.0.0.0".*--allow-remote/s);
    const allowed = parseHeadlessArgs(['--host', '0.0.0.0', '--allow-remote']);
    expect(allowed.ok && allowed.value.host).toBe('0.0.0.0');
    expect(parseHeadlessArgs(['--host', 'localhost']).ok).toBe(true);
  });

  it.each([
    [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['--port', 'http'], /--port must be/],
    [['--bogus'], /unknown option --bogus/],
    [['stray'], /unexpected argument "stray"/],
    [['--allow-remote=yes'], /takes no value/],
    [['--token', 'has space'], /--token must be/],
  ])('refuses %j', (argv, message) => {
    const r = parseHeadlessArgs(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('knows the loopback names', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '192.168.1.2', 'example.com', '::'].some(isLoopbackHost)).toBe(false);
  });
});

describe('parseCliArgs', () => {
  it('parses status with --data-dir and --json', () => {
    expect(parseCliArgs(['status', '--data-dir', 'x', '--json'], '/w')).toEqual({
      ok: true,
      value: { command: 'status', dataDir: '/w/x', json: true },
    });
  });

  it('passes everything after backtest through untouched', () => {
    expect(parseCliArgs(['backtest', '--symbol', 'AAPL', 'extra'])).toEqual({
      ok: true,
      value: { command: 'backtest', argv: ['--symbol', 'AAPL', 'extra'] },
    });
  });

  it('says what is wrong for an unknown command, no command, or status without a data dir', () => {
    const unknown = parseCliArgs(['frobnicate']);
    expect(!unknown.ok && unknown.message).toMatch(/unknown command "frobnicate"/);
    expect(parseCliArgs([]).ok).toBe(false);
    const noDir = parseCliArgs(['status']);
    expect(!noDir.ok && noDir.message).toMatch(/status needs --data-dir DIR/);
  });
});
