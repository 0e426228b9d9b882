// The emulator's two WebSocket protocols, as Alpaca speaks them:
// - trade updates (/stream on the trading host): JSON in binary frames, as the paper endpoint
//   sends them; `authenticate` -> `authorization`, `listen` -> `listening`, then `trade_updates`.
// - market data (/v2/{feed} and /v1beta3/crypto/us on the data host): arrays of control and data
//   messages, msgpack when the client opens with `Content-Type: application/msgpack` (the SDK
//   always does) and JSON text otherwise; `connected`, `auth` -> `authenticated`, `subscribe` ->
//   `subscription`, then `b` bar messages; Alpaca's numeric error codes (401, 402, 403, 406...).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { EmuBar, EmuMarket } from './market';
import type { TradeUpdate } from './exchange';

export interface StreamKeys {
  keyId: string;
  secret: string;
}

type Codec = 'json' | 'msgpack';

interface TradingConn {
  ws: WebSocket;
  codec: Codec;
  authed: boolean;
  listening: boolean;
}

const STOCK_CHANNELS = ['trades', 'quotes', 'bars', 'updatedBars', 'dailyBars', 'statuses', 'lulds', 'corrections', 'cancelErrors'] as const;
const CRYPTO_CHANNELS = ['trades', 'quotes', 'orderbooks', 'bars', 'updatedBars', 'dailyBars'] as const;

interface DataConn {
  ws: WebSocket;
  codec: Codec;
  kind: 'stocks' | 'crypto';
  path: string;
  authed: boolean;
  keyId: string | null;
  subs: Map<string, Set<string>>;
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function codecOf(req: IncomingMessage): Codec {
  return (req.headers['content-type'] ?? '').toLowerCase().includes('application/msgpack') ? 'msgpack' : 'json';
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isoSeconds(t: number): string {
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

export interface StreamStats {
  tradingConnections: number;
  dataConnections: number;
  /** connections accepted so far (reconnect tests count them) */
  tradingAccepted: number;
  dataAccepted: number;
}

export class EmuStreams {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly trading = new Set<TradingConn>();
  private readonly data = new Set<DataConn>();
  /** new connections are refused with 503 until this emulator time (ms since epoch, wall clock) */
  private outageUntil = 0;
  /** re-send the last N fill events to each client that (re)starts listening: a replay fault */
  replayFillsOnListen = 0;
  /** market-data connections allowed per key and endpoint (Alpaca allows one) */
  maxDataConnectionsPerKey = 1;
  readonly stats: StreamStats = { tradingConnections: 0, dataConnections: 0, tradingAccepted: 0, dataAccepted: 0 };

  constructor(
    private readonly keys: StreamKeys,
    private readonly market: EmuMarket,
    private readonly fillHistory: () => TradeUpdate[],
    private readonly authTimeoutMs: number,
  ) {}

  private refuse(socket: Duplex, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  /** `upgrade` handler of the trading host. */
  upgradeTrading(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/stream') return this.refuse(socket, 404, 'Not Found');
    if (Date.now() < this.outageUntil) return this.refuse(socket, 503, 'Service Unavailable');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.acceptTrading(ws, codecOf(req)));
  }

  /** `upgrade` handler of the data host. */
  upgradeData(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    let kind: 'stocks' | 'crypto' | null = null;
    if (/^\/v2\/(iex|sip|delayed_sip|test)$/.test(path)) kind = 'stocks';
    else if (path === '/v1beta3/crypto/us') kind = 'crypto';
    if (!kind) return this.refuse(socket, 404, 'Not Found');
    if (Date.now() < this.outageUntil) return this.refuse(socket, 503, 'Service Unavailable');
    const k = kind;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.acceptData(ws, codecOf(req), k, path));
  }

  // ---------- trade updates ----------

  private sendTrading(c: TradingConn, msg: unknown): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    // the paper endpoint sends binary frames; the SDK decodes both
    c.ws.send(c.codec === 'msgpack' ? Buffer.from(msgpackEncode(msg)) : Buffer.from(JSON.stringify(msg)), { binary: true });
  }

  private acceptTrading(ws: WebSocket, codec: Codec): void {
    const c: TradingConn = { ws, codec, authed: false, listening: false };
    this.trading.add(c);
    this.stats.tradingAccepted++;
    this.stats.tradingConnections = this.trading.size;
    const authTimer = setTimeout(() => {
      if (!c.authed) ws.close(4000, 'auth timeout');
    }, this.authTimeoutMs);
    authTimer.unref();
    ws.on('close', () => {
      clearTimeout(authTimer);
      this.trading.delete(c);
      this.stats.tradingConnections = this.trading.size;
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => {
      let msg: unknown;
      try {
        const buf = rawToBuffer(data);
        msg = c.codec === 'msgpack' ? msgpackDecode(buf) : JSON.parse(buf.toString('utf8'));
      } catch {
        this.sendTrading(c, { stream: 'listening', data: { error: 'invalid syntax' } });
        return;
      }
      if (!isRecord(msg)) return;
      const action = msg.action;
      const data2 = isRecord(msg.data) ? msg.data : {};
      if (action === 'authenticate' || action === 'auth') {
        const keyId = action === 'auth' ? msg.key : data2.key_id;
        const secret = action === 'auth' ? msg.secret : data2.secret_key;
        if (keyId === this.keys.keyId && secret === this.keys.secret) {
          c.authed = true;
          this.sendTrading(c, { stream: 'authorization', data: { status: 'authorized', action: 'authenticate' } });
        } else {
          this.sendTrading(c, { stream: 'authorization', data: { status: 'unauthorized', action: 'authenticate' } });
          ws.close(4001, 'unauthorized');
        }
        return;
      }
      if (action === 'listen') {
        if (!c.authed) {
          this.sendTrading(c, { stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } });
          ws.close(4001, 'unauthorized');
          return;
        }
        const streams = Array.isArray(data2.streams) ? data2.streams.filter((s) => s === 'trade_updates') : [];
        c.listening = streams.length > 0;
        this.sendTrading(c, { stream: 'listening', data: { streams } });
        if (c.listening && this.replayFillsOnListen > 0) {
          for (const u of this.fillHistory().slice(-this.replayFillsOnListen)) this.sendTrading(c, { stream: 'trade_updates', data: u });
        }
        return;
      }
      this.sendTrading(c, { stream: 'listening', data: { error: `unknown action ${String(action)}` } });
    });
  }

  broadcastTradeUpdate(u: TradeUpdate): void {
    // a hold (out-of-order fault) keeps the events back until released in the order the test picks
    if (this.held !== null) {
      this.held.push(u);
      return;
    }
    this.sendTradeUpdate(u);
  }

  /** Deliver one trade update, encoded as the connection asked, to every listening client. */
  sendTradeUpdate(u: TradeUpdate): void {
    for (const c of this.trading) if (c.authed && c.listening) this.sendTrading(c, { stream: 'trade_updates', data: u });
  }

  /** trade updates held back by holdTradeUpdates(), in the order the exchange produced them */
  private held: TradeUpdate[] | null = null;

  /** Out-of-order fault: from now on keep trade updates back instead of sending them. */
  holdTradeUpdates(): void {
    this.held ??= [];
  }

  /**
   * End the hold: send what was kept back, in the order `arrange` returns (it may reorder, repeat
   * or leave out events; default: as produced). Returns what was held.
   */
  releaseTradeUpdates(arrange: (held: TradeUpdate[]) => TradeUpdate[] = (h) => h): TradeUpdate[] {
    const held = this.held ?? [];
    this.held = null;
    for (const u of arrange([...held])) this.sendTradeUpdate(u);
    return held;
  }

  /** Replayed-stream fault: send the last `n` fill events again to every listening client now. */
  replayLastFills(n: number): TradeUpdate[] {
    const again = this.fillHistory().slice(-n);
    for (const u of again) this.sendTradeUpdate(u);
    return again;
  }

  /** Send arbitrary bytes to every listening trade-updates client (malformed-message tests). */
  sendRawTrading(raw: string): void {
    for (const c of this.trading) if (c.authed && c.listening && c.ws.readyState === c.ws.OPEN) c.ws.send(Buffer.from(raw), { binary: true });
  }

  // ---------- market data ----------

  private sendData(c: DataConn, msgs: unknown[]): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (c.codec === 'msgpack') c.ws.send(Buffer.from(msgpackEncode(msgs)), { binary: true });
    else c.ws.send(JSON.stringify(msgs));
  }

  private subscriptionMsg(c: DataConn): Record<string, unknown> {
    const channels = c.kind === 'stocks' ? STOCK_CHANNELS : CRYPTO_CHANNELS;
    const out: Record<string, unknown> = { T: 'subscription' };
    for (const ch of channels) out[ch] = [...(c.subs.get(ch) ?? [])];
    return out;
  }

  private acceptData(ws: WebSocket, codec: Codec, kind: 'stocks' | 'crypto', path: string): void {
    const c: DataConn = { ws, codec, kind, path, authed: false, keyId: null, subs: new Map() };
    this.data.add(c);
    this.stats.dataAccepted++;
    this.stats.dataConnections = this.data.size;
    const authTimer = setTimeout(() => {
      if (!c.authed) {
        this.sendData(c, [{ T: 'error', code: 404, msg: 'auth timeout' }]);
        ws.close();
      }
    }, this.authTimeoutMs);
    authTimer.unref();
    ws.on('close', () => {
      clearTimeout(authTimer);
      this.data.delete(c);
      this.stats.dataConnections = this.data.size;
    });
    ws.on('error', () => ws.terminate());
    this.sendData(c, [{ T: 'success', msg: 'connected' }]);
    ws.on('message', (data) => {
      let msg: unknown;
      try {
        const buf = rawToBuffer(data);
        msg = c.codec === 'msgpack' ? msgpackDecode(buf) : JSON.parse(buf.toString('utf8'));
      } catch {
        this.sendData(c, [{ T: 'error', code: 400, msg: 'invalid syntax' }]);
        return;
      }
      if (!isRecord(msg) || typeof msg.action !== 'string') {
        this.sendData(c, [{ T: 'error', code: 400, msg: 'invalid syntax' }]);
        return;
      }
      if (msg.action === 'auth') {
        if (c.authed) {
          this.sendData(c, [{ T: 'error', code: 403, msg: 'already authenticated' }]);
          return;
        }
        if (msg.key !== this.keys.keyId || msg.secret !== this.keys.secret) {
          this.sendData(c, [{ T: 'error', code: 402, msg: 'auth failed' }]);
          ws.close();
          return;
        }
        const others = [...this.data].filter((o) => o !== c && o.authed && o.path === c.path && o.keyId === msg.key).length;
        if (others >= this.maxDataConnectionsPerKey) {
          this.sendData(c, [{ T: 'error', code: 406, msg: 'connection limit exceeded' }]);
          ws.close();
          return;
        }
        c.authed = true;
        c.keyId = msg.key;
        this.sendData(c, [{ T: 'success', msg: 'authenticated' }]);
        return;
      }
      if (msg.action === 'subscribe' || msg.action === 'unsubscribe') {
        if (!c.authed) {
          this.sendData(c, [{ T: 'error', code: 401, msg: 'not authenticated' }]);
          return;
        }
        const channels: readonly string[] = c.kind === 'stocks' ? STOCK_CHANNELS : CRYPTO_CHANNELS;
        for (const [key, value] of Object.entries(msg)) {
          if (key === 'action') continue;
          if (!channels.includes(key) || !Array.isArray(value) || !value.every((s) => typeof s === 'string')) {
            this.sendData(c, [{ T: 'error', code: 400, msg: 'invalid syntax' }]);
            return;
          }
          const set = c.subs.get(key) ?? new Set<string>();
          for (const s of value as string[]) {
            if (msg.action === 'subscribe') set.add(s);
            else set.delete(s);
          }
          c.subs.set(key, set);
        }
        this.sendData(c, [this.subscriptionMsg(c)]);
        return;
      }
      this.sendData(c, [{ T: 'error', code: 400, msg: 'invalid syntax' }]);
    });
  }

  /** Push the bars completed by one tick to every subscriber of the symbol (or of "*"). */
  broadcastBars(bars: { symbol: string; bar: EmuBar }[]): void {
    for (const c of this.data) {
      if (!c.authed) continue;
      const subs = c.subs.get('bars');
      if (!subs || subs.size === 0) continue;
      const msgs: unknown[] = [];
      for (const { symbol, bar } of bars) {
        const spec = this.market.spec(symbol);
        if (!spec || (spec.assetClass === 'crypto') !== (c.kind === 'crypto')) continue;
        if (!subs.has(symbol) && !subs.has('*')) continue;
        // msgpack carries time as the timestamp extension (a Date encodes to it); JSON as RFC 3339
        msgs.push({ T: 'b', S: symbol, o: bar.o, h: bar.h, l: bar.l, c: bar.c, v: bar.v, t: c.codec === 'msgpack' ? new Date(bar.t) : isoSeconds(bar.t), n: bar.n, vw: bar.vw });
      }
      if (msgs.length > 0) this.sendData(c, msgs);
    }
  }

  /** Send an arbitrary message array to every authenticated data client. */
  sendRawData(msgs: unknown[]): void {
    for (const c of this.data) if (c.authed) this.sendData(c, msgs);
  }

  /** Cut connections without a close handshake, as a network drop does. */
  drop(which: 'trading' | 'data' | 'all', outageMs = 0): void {
    if (outageMs > 0) this.outageUntil = Date.now() + outageMs;
    if (which !== 'data') for (const c of this.trading) c.ws.terminate();
    if (which !== 'trading') for (const c of this.data) c.ws.terminate();
  }

  close(): void {
    this.drop('all');
    this.wss.close();
  }
}
