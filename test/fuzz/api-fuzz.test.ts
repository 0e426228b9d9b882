// The API boundary under fire (issue "Hardening", bad input everywhere): at least 10,000
// generated malformed requests through each transport of a real simulator runtime: the runtime's
// own dispatch, the Electron IPC handler (electron/ipc.ts, fed invoke events the way Electron
// does) and the headless host's WebSocket (electron/headless-server.ts on 127.0.0.1), plus a few
// hundred connection-level attacks on the WebSocket. Each request must come back as a typed
// error (invalid_request or unknown_channel, a message that names the problem and does not echo
// a megabyte back), the process must see no unhandled rejection or exception, the runtime must
// log no error, and the store and the simulator's ledger must hold exactly what they held before.
//
// The runtime runs on a frozen clock so that it is quiet: the simulator produces no bars and the
// housekeeping timer has nothing due, which makes "nothing in the store changed" exact.
// fast-check generates with fixed seeds, so a failure reproduces.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { IpcMainInvokeEvent } from 'electron';
import { ERROR_CODES, parseRequest, WIRE_MAX_FRAME_BYTES, type Result, type ServerFrame } from '../../engine/api/contract';
import { startHeadlessServer, type HeadlessServer } from '../../electron/headless-server';
import { registerApiHandler } from '../../electron/ipc';
import { API_REQUEST_CHANNEL } from '../../electron/ipc-channels';
import { startRuntime, type SimRuntime } from '../../electron/runtime';
import {
  FOREIGN_ORIGINS,
  INVALID_UTF8_SAMPLES,
  malformedRequest,
  materialize,
  pinnedWireFrames,
  preview,
  wireFrame,
  wrongTokens,
  type FuzzRequest,
  type WireFrame,
} from './generators';
import { changedTables, fingerprintDb, type DbFingerprint } from './storeHash';
import { closeCode, connectWs, httpGet } from './wire';

const REQUESTS_PER_TRANSPORT = 10_000;
/** what a malformed request may be answered with */
const MALFORMED_CODES = new Set(['invalid_request', 'unknown_channel']);
/** an answer longer than this echoes the input back (a 1 MB string, a deep object) */
const MAX_MESSAGE_CHARS = 8 * 1024;
const TOKEN = 'fuzz-token-7c1d0e5f9a3b42d8a6e1';
const SEED = 20_260_101;

let dataDir: string;
let rt: SimRuntime;
const logs: { level: string; message: string }[] = [];
const unhandled: string[] = [];
const onUnhandledRejection = (reason: unknown): void => {
  unhandled.push(`unhandledRejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
};
const onUncaughtException = (e: Error): void => {
  unhandled.push(`uncaughtException: ${e.stack ?? e.message}`);
};

function fingerprint(): { store: DbFingerprint; ledger: DbFingerprint } {
  return { store: fingerprintDb(rt.store.file), ledger: fingerprintDb(rt.ledger.file) };
}

function changes(before: ReturnType<typeof fingerprint>, after: ReturnType<typeof fingerprint>): string[] {
  return [...changedTables(before.store, after.store).map((t) => `store ${t}`), ...changedTables(before.ledger, after.ledger).map((t) => `ledger ${t}`)];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the runtime's start-up writes are done: two fingerprints in a row agree. */
async function settle(): Promise<ReturnType<typeof fingerprint>> {
  let last = fingerprint();
  for (let i = 0; i < 40; i++) {
    await sleep(150);
    const now = fingerprint();
    if (changes(last, now).length === 0) return now;
    last = now;
  }
  throw new Error(`the runtime kept writing while idle: ${changes(last, fingerprint()).join(', ')}`);
}

/** What is wrong with the answer to a malformed request, or null when it is the typed error expected. */
function problemWith(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return `answer is not a Result: ${preview(result)}`;
  const r = result as Result<unknown>;
  if (r.ok) return `accepted: ${preview(r.value)}`;
  const { code, message } = r.error;
  if (!(ERROR_CODES as readonly string[]).includes(code)) return `error code ${String(code)} is not one of the contract's`;
  if (!MALFORMED_CODES.has(code)) return `error code ${code} (expected invalid_request or unknown_channel): ${message.slice(0, 300)}`;
  if (typeof message !== 'string' || message.trim().length === 0) return 'empty error message';
  if (message.length > MAX_MESSAGE_CHARS) return `error message of ${message.length} chars echoes the input`;
  if (code === 'invalid_request' && !/^invalid \S+ request: \S/.test(message) && !/frame|binary/.test(message)) return `message does not name the problem: ${message.slice(0, 200)}`;
  return null;
}

class Tally {
  sent = 0;
  skippedValid = 0;
  readonly perClass = new Map<string, number>();
  readonly failures: string[] = [];
  count(cls: string): void {
    this.sent++;
    this.perClass.set(cls, (this.perClass.get(cls) ?? 0) + 1);
  }
  fail(what: string): void {
    if (this.failures.length < 20) this.failures.push(what);
    else if (this.failures.length === 20) this.failures.push('… (more failures left out)');
  }
  summary(transport: string, ms: number): string {
    const classes = [...this.perClass].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}: ${n}`).join(', ');
    return `fuzz ${transport}: ${this.sent} malformed requests in ${ms} ms (${this.skippedValid} generated cases were valid requests and not sent) [${classes}]`;
  }
}

/** The generated requests that are really malformed (the accidentally valid ones are counted, not sent). */
function malformedSamples(seed: number, tally: Tally): { req: FuzzRequest; channel: unknown; payload: unknown }[] {
  const out: { req: FuzzRequest; channel: unknown; payload: unknown }[] = [];
  for (const req of fc.sample(malformedRequest, { seed, numRuns: Math.ceil(REQUESTS_PER_TRANSPORT * 1.1) })) {
    const channel = materialize(req.channel);
    const payload = materialize(req.payload);
    if (parseRequest(channel, payload).ok) {
      tally.skippedValid++;
      continue;
    }
    out.push({ req, channel, payload });
    if (out.length === REQUESTS_PER_TRANSPORT) break;
  }
  return out;
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandledRejection);
  process.on('uncaughtException', onUncaughtException);
  dataDir = mkdtempSync(join(tmpdir(), 'api-fuzz-'));
  const frozen = Date.now();
  rt = await startRuntime({
    dataDir,
    broker: 'sim',
    simSpeed: 1,
    clock: { now: () => frozen },
    housekeepingMs: 25,
    log: (level, message) => logs.push({ level, message }),
  });
  expect((await rt.dispatch('supervisor:set_mode', { mode: 'manual' })).ok).toBe(true);
});

afterAll(async () => {
  await rt?.shutdown();
  process.off('unhandledRejection', onUnhandledRejection);
  process.off('uncaughtException', onUncaughtException);
  rmSync(dataDir, { recursive: true, force: true });
});

function errorLogsSince(mark: number): string[] {
  return logs.slice(mark).filter((l) => l.level === 'error').map((l) => l.message);
}

describe('API fuzz: malformed requests get typed errors and change nothing', () => {
  it(`in process: ${REQUESTS_PER_TRANSPORT} malformed requests through rt.dispatch`, async () => {
    const before = await settle();
    const logMark = logs.length;
    const tally = new Tally();
    const started = Date.now();
    for (const { req, channel, payload } of malformedSamples(SEED, tally)) {
      tally.count(req.cls);
      let result: unknown;
      try {
        result = await rt.dispatch(channel, payload);
      } catch (e) {
        tally.fail(`[${req.cls}] dispatch threw ${String(e)} for ${preview(req.channel)} ${preview(req.payload)}`);
        continue;
      }
      const problem = problemWith(result);
      if (problem !== null) tally.fail(`[${req.cls}] ${preview(req.channel)} ${preview(req.payload)}: ${problem}`);
    }
    console.log(tally.summary('rt.dispatch', Date.now() - started));
    expect(tally.failures).toEqual([]);
    expect(tally.sent).toBeGreaterThanOrEqual(REQUESTS_PER_TRANSPORT);
    expect(unhandled).toEqual([]);
    expect(errorLogsSince(logMark)).toEqual([]);
    expect(changes(before, fingerprint())).toEqual([]);
    // the engine still serves a valid request
    const snap = await rt.dispatch('app:snapshot', {});
    expect(snap.ok).toBe(true);
  }, 120_000);

  it(`Electron IPC: ${REQUESTS_PER_TRANSPORT} malformed requests through the api:request handler, and foreign frames refused`, async () => {
    const before = await settle();
    const logMark = logs.length;
    const WC_ID = 7;
    const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>>();
    const ipcMain = {
      handle: (channel: string, h: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>) => void handlers.set(channel, h),
      removeHandler: (channel: string) => void handlers.delete(channel),
    };
    let dispatched = 0;
    const engine = {
      dispatch: (c: unknown, p: unknown) => {
        dispatched++;
        return rt.dispatch(c, p);
      },
    };
    const dispose = registerApiHandler(ipcMain, { engine, expectedWebContentsId: () => WC_ID, log: (level, message) => logs.push({ level, message }) });
    const handler = handlers.get(API_REQUEST_CHANNEL);
    if (!handler) throw new Error('registerApiHandler registered no api:request handler');
    const mainFrame = { processId: 3, routingId: 1, parent: null, url: 'app://renderer/index.html' };
    // only sender and senderFrame are read by the handler
    const eventFrom = (frame: { url: string; top?: boolean }, senderId = WC_ID): IpcMainInvokeEvent =>
      ({
        sender: { id: senderId, mainFrame },
        senderFrame: { processId: 3, routingId: frame.top === false ? 9 : 1, parent: frame.top === false ? mainFrame : null, url: frame.url },
      }) as unknown as IpcMainInvokeEvent;
    const trusted = eventFrom({ url: 'app://renderer/index.html' });

    const tally = new Tally();
    const started = Date.now();
    const samples = malformedSamples(SEED + 1, tally);
    for (const [i, { req, channel, payload }] of samples.entries()) {
      tally.count(req.cls);
      // now and then the renderer passes too few or too many arguments: the handler sees them as given
      const args = i % 50 === 0 ? [channel] : i % 50 === 1 ? [channel, payload, 'extra', { more: 1 }] : [channel, payload];
      if (i % 50 === 0 && parseRequest(channel, undefined).ok) continue;
      let result: unknown;
      try {
        result = await handler(trusted, ...args);
      } catch (e) {
        tally.fail(`[${req.cls}] the IPC handler threw ${String(e)} for ${preview(req.channel)}`);
        continue;
      }
      const problem = problemWith(result);
      if (problem !== null) tally.fail(`[${req.cls}] ${preview(req.channel)} ${preview(req.payload)}: ${problem}`);
    }
    const fuzzDispatched = dispatched;

    // the same requests from frames that are not our window's own page never reach the engine
    const foreign = [
      eventFrom({ url: 'https://evil.example/' }),
      eventFrom({ url: 'app://renderer/index.html', top: false }),
      eventFrom({ url: 'app://renderer/index.html' }, WC_ID + 1),
      eventFrom({ url: 'file:///tmp/x.html' }),
      eventFrom({ url: 'app://renderer.evil/index.html' }),
    ];
    let refused = 0;
    for (const [i, { channel, payload }] of samples.slice(0, 300).entries()) {
      const r = (await handler(foreign[i % foreign.length] as IpcMainInvokeEvent, channel, payload)) as Result<unknown>;
      if (!r.ok && r.error.code === 'unauthorized') refused++;
    }
    // and so does a valid request from them
    const validForeign = (await handler(foreign[0] as IpcMainInvokeEvent, 'killswitch:engage', { source: 'ui' })) as Result<unknown>;
    dispose();
    console.log(`${tally.summary('Electron IPC', Date.now() - started)}; ${refused} requests from foreign frames refused`);

    expect(tally.failures).toEqual([]);
    expect(tally.sent).toBeGreaterThanOrEqual(REQUESTS_PER_TRANSPORT);
    expect(refused).toBe(300);
    expect(validForeign).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(dispatched).toBe(fuzzDispatched);
    expect(unhandled).toEqual([]);
    expect(errorLogsSince(logMark)).toEqual([]);
    expect(changes(before, fingerprint())).toEqual([]);
    expect((await rt.dispatch('app:snapshot', {})).ok).toBe(true);
  }, 120_000);

  it(`WebSocket: ${REQUESTS_PER_TRANSPORT} malformed frames on a connection, and a few hundred refused connections`, async () => {
    const before = await settle();
    const logMark = logs.length;
    let dispatched = 0;
    const engine = {
      dispatch: (c: unknown, p: unknown) => {
        dispatched++;
        return rt.dispatch(c, p);
      },
      subscribe: rt.subscribe,
    };
    const server: HeadlessServer = await startHeadlessServer({
      engine,
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      rendererDir: dataDir,
      log: (level, message) => logs.push({ level, message }),
    });
    try {
      const tally = new Tally();
      const started = Date.now();

      // ----- frames on one authorised connection -----
      let id = 1_000_000;
      const frames: WireFrame[] = pinnedWireFrames(() => id++);
      const oversized: WireFrame[] = [];
      // frames of 16 KB to 64 KB (40 KB strings, 10,000-level objects) cost the most to send and
      // parse on 2 busy cores; a few hundred of them say what thousands would
      const HEAVY_BYTES = 16 * 1024;
      const MAX_HEAVY = 400;
      let heavy = 0;
      let heavyLeftOut = 0;
      for (const f of fc.sample(wireFrame(() => id++), { seed: SEED + 2, numRuns: Math.ceil(REQUESTS_PER_TRANSPORT * 1.3) })) {
        if (f.type === 'text') {
          const bytes = Buffer.byteLength(f.text);
          if (bytes > WIRE_MAX_FRAME_BYTES) {
            oversized.push(f);
            continue;
          }
          if (bytes > HEAVY_BYTES && ++heavy > MAX_HEAVY) {
            heavyLeftOut++;
            continue;
          }
          // only a request frame with a usable id can be a valid request
          if (f.cls.startsWith('request:') && isValidRequestFrame(f.text)) {
            tally.skippedValid++;
            continue;
          }
        }
        frames.push(f);
        if (frames.length === REQUESTS_PER_TRANSPORT) break;
      }
      const generatedMs = Date.now() - started;
      const opened = await connectWs(server.port, `?token=${TOKEN}`);
      if (!('ws' in opened)) throw new Error(`the fuzz connection was refused: ${JSON.stringify(opened)}`);
      const ws = opened.ws;
      const results = new Map<number, Result<unknown>>();
      const errorFrames: ServerFrame[] = [];
      let closedWith: number | null = null;
      let wake: (() => void) | null = null;
      /** resolves at the next answer (or after 50 ms, to look at the clock) */
      const nextAnswer = (): Promise<void> =>
        new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as ServerFrame;
        if (frame.kind === 'result') results.set(frame.id, frame.result);
        else if (frame.kind === 'error') errorFrames.push(frame);
        wake?.();
      });
      ws.on('close', (code) => (closedWith = code));

      const BATCH = 50;
      for (let start = 0; start < frames.length; start += BATCH) {
        const batch = frames.slice(start, start + BATCH);
        const errorsBefore = errorFrames.length;
        for (const f of batch) {
          tally.count(f.cls);
          if (f.type === 'binary') ws.send(f.bytes, { binary: true });
          else ws.send(f.text);
        }
        const wantIds = batch.flatMap((f) => (f.expectId === null ? [] : [f.expectId]));
        const wantErrors = batch.length - wantIds.length;
        const until = Date.now() + 20_000;
        while ((wantIds.some((i) => !results.has(i)) || errorFrames.length - errorsBefore < wantErrors) && closedWith === null) {
          if (Date.now() > until) {
            throw new Error(`no answer within 20 s to frames ${start}..${start + batch.length - 1}: missing ids ${wantIds.filter((i) => !results.has(i)).slice(0, 5).join(', ')}, error frames ${errorFrames.length - errorsBefore}/${wantErrors}`);
          }
          await nextAnswer();
        }
        if (closedWith !== null) throw new Error(`the server closed the fuzz connection (code ${closedWith}) during frames ${start}..${start + batch.length - 1}`);
        if (errorFrames.length - errorsBefore !== wantErrors) tally.fail(`frames ${start}..: ${errorFrames.length - errorsBefore} error frames for ${wantErrors} frames without a usable id`);
        for (const f of batch) {
          if (f.expectId === null) continue;
          const problem = problemWith(results.get(f.expectId));
          if (problem !== null) tally.fail(`[${f.cls}] ${f.type === 'text' ? f.text.slice(0, 160) : 'binary'}: ${problem}`);
        }
        for (const e of errorFrames.slice(errorsBefore)) {
          const problem = e.kind === 'error' ? problemWith({ ok: false, error: e.error }) : 'not an error frame';
          if (problem !== null) tally.fail(`error frame: ${problem}`);
        }
      }
      ws.close();
      const framesSent = tally.sent;
      const framesMs = Date.now() - started;

      // ----- connection-level cases: each gets a refusal or a clear close, and nothing reaches the engine -----
      const dispatchedBeforeConnections = dispatched;
      const connectionProblems: string[] = [];
      const expectRefused = async (what: string, query: string, headers: Record<string, string>, status: number): Promise<void> => {
        tally.count(what);
        const r = await connectWs(server.port, query, headers);
        if ('ws' in r) {
          r.ws.terminate();
          connectionProblems.push(`${what}: accepted (${query.slice(0, 60)} ${JSON.stringify(headers).slice(0, 120)})`);
        } else if (!('status' in r) || r.status !== status || r.body.trim().length === 0) {
          connectionProblems.push(`${what}: expected HTTP ${status} with a reason, got ${JSON.stringify(r).slice(0, 200)}`);
        }
      };
      const expectClosed = async (what: string, send: (ws: WebSocket) => void, code: number): Promise<void> => {
        tally.count(what);
        const r = await connectWs(server.port, `?token=${TOKEN}`);
        if (!('ws' in r)) {
          connectionProblems.push(`${what}: could not connect: ${JSON.stringify(r)}`);
          return;
        }
        r.ws.on('error', () => undefined); // a reset while we still write is expected; the close code tells
        const closed = closeCode(r.ws);
        send(r.ws);
        const got = await closed;
        if (got !== code) connectionProblems.push(`${what}: expected close code ${code}, got ${got}`);
      };

      const noTokenQueries = ['', '?', '?token=', '?token', '?Token=' + TOKEN, '?tok=' + TOKEN, `?token[]=${TOKEN}`, '?access_token=' + TOKEN];
      for (let i = 0; i < 40; i++) await expectRefused('connection: no token', noTokenQueries[i % noTokenQueries.length] ?? '', {}, 401);
      for (const t of fc.sample(wrongTokens(TOKEN), { seed: SEED + 3, numRuns: 80 })) await expectRefused('connection: wrong token', `?token=${encodeURIComponent(t)}`, {}, 401);
      const ownOrigin = `http://127.0.0.1:${server.port}`;
      for (const origin of fc.sample(FOREIGN_ORIGINS, { seed: SEED + 4, numRuns: 80 }).filter((o) => o !== ownOrigin)) {
        await expectRefused('connection: foreign Origin', `?token=${TOKEN}`, { Origin: origin }, 403);
      }
      for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, `127.0.0.1.nip.io:${server.port}`, `[::2]:${server.port}`]) {
        await expectRefused('connection: foreign Host header', `?token=${TOKEN}`, { Host: host }, 403);
      }
      const sizes = [WIRE_MAX_FRAME_BYTES + 1, WIRE_MAX_FRAME_BYTES * 2, 1024 * 1024, 4 * 1024 * 1024];
      for (let i = 0; i < 20; i++) {
        const size = sizes[i % sizes.length] ?? WIRE_MAX_FRAME_BYTES + 1;
        await expectClosed('connection: oversized frame', (s) => s.send(JSON.stringify({ kind: 'request', id: 1, channel: 'app:snapshot', payload: { pad: 'x'.repeat(size) } })), 1009);
      }
      for (const f of oversized.slice(0, 60)) {
        await expectClosed('connection: oversized frame', (s) => s.send(f.type === 'text' ? f.text : f.bytes), 1009);
      }
      for (let i = 0; i < 28; i++) {
        const bytes = INVALID_UTF8_SAMPLES[i % INVALID_UTF8_SAMPLES.length] ?? Uint8Array.from([0xff]);
        await expectClosed('connection: invalid UTF-8', (s) => s.send(bytes, { binary: false }), 1007);
      }
      const connectionCases = tally.sent - framesSent;
      console.log(`${tally.summary('WebSocket', Date.now() - started)}; of which ${framesSent} frames on one connection (generated in ${generatedMs} ms, answered by ${framesMs} ms; ${Math.min(heavy, MAX_HEAVY)} of them over 16 KB, ${heavyLeftOut} more such left out) and ${connectionCases} connection-level cases`);

      expect(tally.failures).toEqual([]);
      expect(connectionProblems).toEqual([]);
      expect(framesSent).toBeGreaterThanOrEqual(REQUESTS_PER_TRANSPORT);
      expect(connectionCases).toBeGreaterThanOrEqual(200);
      expect(dispatched).toBe(dispatchedBeforeConnections);

      // the host is still up and serves a valid request
      expect((await httpGet(server.port, '/healthz')).body).toBe('{"ok":true}');
      const again = await connectWs(server.port, `?token=${TOKEN}`);
      if (!('ws' in again)) throw new Error(`a valid client was refused after the fuzz: ${JSON.stringify(again)}`);
      const answer = new Promise<ServerFrame>((resolve) =>
        again.ws.on('message', (data) => {
          const f = JSON.parse(String(data)) as ServerFrame;
          if (f.kind === 'result') resolve(f);
        }),
      );
      again.ws.send(JSON.stringify({ kind: 'request', id: 1, channel: 'app:snapshot', payload: {} }));
      expect(await answer).toMatchObject({ kind: 'result', id: 1, result: { ok: true } });
      again.ws.close();
    } finally {
      await server.close();
    }
    expect(unhandled).toEqual([]);
    expect(errorLogsSince(logMark)).toEqual([]);
    expect(changes(before, fingerprint())).toEqual([]);
  }, 180_000);

  it('the store fingerprint sees a real change, so "unchanged" above means something', async () => {
    const before = await settle();
    const r = await rt.dispatch('settings:update', { patch: { approvalTimeoutSec: 77 } });
    expect(r.ok).toBe(true);
    await sleep(100);
    expect(changes(before, fingerprint()).length).toBeGreaterThan(0);
  });
});

/** Whether a text frame is a well-formed request the engine would act on (those are not fuzz). */
function isValidRequestFrame(text: string): boolean {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const f = data as Record<string, unknown>;
  if (f.kind !== 'request' || typeof f.id !== 'number' || !Number.isSafeInteger(f.id) || typeof f.channel !== 'string') return false;
  return parseRequest(f.channel, f.payload).ok;
}
