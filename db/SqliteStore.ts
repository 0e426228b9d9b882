// The engine's Store port on SQLite. Every write runs in autocommit or one explicit
// transaction on a synchronous=FULL WAL connection, so it is durable when the method returns;
// the one exception is batchDeferred, whose commit becomes durable when syncDeferred resolves.
import type { Database } from 'better-sqlite3';
import { closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BAR_CACHE_DIR } from './barColumnCache';
import type {
  AccountState,
  Approval,
  AuditEntry,
  AuditKind,
  Bar,
  EquityPoint,
  Fill,
  OrderRecord,
  Position,
  Settings,
  StopReport,
  Timeframe,
  TradingStateRecord,
} from '../engine/domain/types';
import type { BarColumns } from '../engine/backtest/columns';
import type { AuditInput, OrderPatch, RestoredState, Store } from '../engine/ports';
import { evidenceFromResults, type LabEvidence, type PaperRecord } from '../engine/readiness/evidence';
import { StoreInputError, asFsWriteError, guardWrite } from './errors';
import { storeMigrations } from './migrations/store';
import { openDatabase } from './open';
import { prepareAccountRepo } from './repositories/account';
import { prepareApprovalRepo } from './repositories/approvals';
import { prepareAuditRepo } from './repositories/audit';
import { prepareBarRepo } from './repositories/bars';
import type { BarCoverage } from './repositories/bars';
import { prepareFillRepo } from './repositories/fills';
import { prepareLabRepo, type LabRepo } from './repositories/lab';
import { prepareOrderRepo } from './repositories/orders';
import { preparePositionRepo } from './repositories/positions';
import { prepareStateRepo } from './repositories/state';
import { prepareStopReportRepo } from './repositories/stopReports';

export const STORE_FILE_NAME = 'supervisor.sqlite';

export interface StoreOpenOptions {
  nativeBinding?: string;
}

function prepareRepos(db: Database) {
  // the column files of long bar series live beside the database (none for an in-memory one)
  const cacheDir = db.memory ? null : join(dirname(db.name), BAR_CACHE_DIR);
  return {
    orders: prepareOrderRepo(db),
    fills: prepareFillRepo(db),
    positions: preparePositionRepo(db),
    account: prepareAccountRepo(db),
    approvals: prepareApprovalRepo(db),
    state: prepareStateRepo(db),
    audit: prepareAuditRepo(db),
    stops: prepareStopReportRepo(db),
    bars: prepareBarRepo(db, cacheDir),
    lab: prepareLabRepo(db),
  };
}

export class SqliteStore implements Store {
  private readonly repos: ReturnType<typeof prepareRepos>;
  private readonly updateOrdersTx: (updates: { clientOrderId: string; patch: OrderPatch }[]) => void;
  private readonly applyFillTx: (args: Parameters<Store['applyFill']>[0]) => boolean;
  private readonly restoreTx: () => RestoredState;
  private readonly batchTx: (fn: () => unknown) => unknown;
  /** the WAL file, opened for fdatasync once a deferred commit has written it; null before that or without a WAL */
  private walFd: number | null = null;
  /** deferred commits so far, and how many of them are known to be on disk */
  private deferredSeq = 0;
  private syncedSeq = 0;
  private syncInFlight = false;
  private closeAfterSync = false;
  private syncWaiters: { seq: number; resolve: () => void; reject: (e: unknown) => void }[] = [];

  /** Use SqliteStore.open / openReadOnly; the constructor takes an already opened, migrated connection. */
  constructor(private readonly db: Database) {
    this.repos = prepareRepos(db);
    const r = this.repos;

    this.updateOrdersTx = db.transaction((updates: { clientOrderId: string; patch: OrderPatch }[]) => {
      for (const u of updates) r.orders.update(u.clientOrderId, u.patch);
    });

    this.applyFillTx = db.transaction((args: Parameters<Store['applyFill']>[0]): boolean => {
      const { fill, order, position, account } = args;
      if (order.clientOrderId !== fill.clientOrderId) {
        throw new StoreInputError(`applyFill: fill ${fill.fillId} belongs to order ${fill.clientOrderId} but the order patch is for ${order.clientOrderId}`);
      }
      if (position.symbol !== fill.symbol) {
        throw new StoreInputError(`applyFill: fill ${fill.fillId} is for ${fill.symbol} but the position is for ${position.symbol}`);
      }
      if (r.orders.get(fill.clientOrderId) === null) {
        throw new StoreInputError(`applyFill: order ${fill.clientOrderId} of fill ${fill.fillId} is not in the journal; insertOrder it first`);
      }
      const seq = r.fills.insert(fill);
      if (seq === null) return false;
      const { clientOrderId, ...patch } = order;
      r.orders.update(clientOrderId, patch);
      r.positions.upsert(position, seq);
      r.account.save(account);
      r.fills.setWatermark(seq);
      return true;
    });

    // one read transaction, so the parts of the snapshot agree with each other
    this.restoreTx = db.transaction(
      (): RestoredState => ({
        tradingState: r.state.tradingState(),
        settings: r.state.settings(),
        positions: r.positions.all(),
        openOrders: r.orders.listOpen(),
        pendingApprovals: r.approvals.pending(),
        account: r.account.get(),
        lastStop: r.stops.latest(),
        fillsAfterCheckpoint: r.fills.afterWatermark(),
      }),
    );

    // better-sqlite3 runs a transaction function called inside another as a savepoint, so
    // nested batches (and write methods that are transactions themselves) join the outer one;
    // it also refuses a function that returns a promise, keeping async work out of transactions.
    this.batchTx = db.transaction((fn: () => unknown) => fn());
  }

  /** Open (creating and migrating as needed) `<dataDir>/supervisor.sqlite`. */
  static open(dataDir: string, opts: StoreOpenOptions = {}): SqliteStore {
    mkdirSync(dataDir, { recursive: true });
    return new SqliteStore(openDatabase(join(dataDir, STORE_FILE_NAME), { migrations: storeMigrations, ...opts }));
  }

  /**
   * Read the store of a data directory without changing anything, also while the app runs
   * (WAL readers never block the writer). Write methods throw on this instance.
   */
  static openReadOnly(dataDir: string, opts: StoreOpenOptions = {}): SqliteStore {
    return new SqliteStore(openDatabase(join(dataDir, STORE_FILE_NAME), { migrations: storeMigrations, readonly: true, ...opts }));
  }

  /**
   * Everything startup needs. Positions include flat rows (qty 0), which carry realized P&L;
   * only pending approvals and open orders are returned.
   */
  restore(): RestoredState {
    return this.restoreTx();
  }

  saveTradingState(rec: TradingStateRecord): void {
    this.guard(() => this.repos.state.saveTradingState(rec));
  }

  saveSettings(s: Settings): void {
    this.guard(() => this.repos.state.saveSettings(s));
  }

  /** Extra key/value settings (JSON) beside the engine's Settings. */
  setSetting(key: string, value: unknown): void {
    this.guard(() => this.repos.state.setSetting(key, value));
  }

  getSetting<T>(key: string): T | null {
    return this.repos.state.getSetting<T>(key);
  }

  insertOrder(order: OrderRecord): 'inserted' | 'duplicate' {
    return this.guard(() => this.repos.orders.insert(order));
  }

  /** Throws StoreInputError if the order is not in the journal. */
  updateOrder(clientOrderId: string, patch: OrderPatch): void {
    this.guard(() => this.repos.orders.update(clientOrderId, patch));
  }

  /** All or nothing: an unknown id rolls back every update of the call. */
  updateOrders(updates: { clientOrderId: string; patch: OrderPatch }[]): void {
    this.guard(() => this.updateOrdersTx(updates));
  }

  getOrder(clientOrderId: string): OrderRecord | null {
    return this.repos.orders.get(clientOrderId);
  }

  /** newest first */
  listOrders(scope: 'open' | 'all', limit: number): OrderRecord[] {
    return this.repos.orders.list(scope, limit);
  }

  applyFill(args: { fill: Fill; order: OrderPatch & { clientOrderId: string }; position: Position; account: AccountState }): boolean {
    return this.guard(() => this.applyFillTx(args));
  }

  /** the `limit` most recent fills of `symbol`, oldest first */
  fillsForSymbol(symbol: string, limit: number): Fill[] {
    return this.repos.fills.forSymbol(symbol, limit);
  }

  countFills(): number {
    return this.repos.fills.count();
  }

  saveAccount(a: AccountState): void {
    this.guard(() => this.repos.account.save(a));
  }

  appendEquity(p: EquityPoint): void {
    this.guard(() => this.repos.account.appendEquity(p));
  }

  /** the `limit` most recent points, oldest first */
  equityCurve(limit: number): EquityPoint[] {
    return this.repos.account.equityCurve(limit);
  }

  saveApproval(a: Approval): void {
    this.guard(() => this.repos.approvals.save(a));
  }

  getApproval(id: string): Approval | null {
    return this.repos.approvals.get(id);
  }

  appendAudit(e: AuditInput): AuditEntry {
    return this.guard(() => this.repos.audit.append(e));
  }

  /** newest first; pass the smallest id seen as beforeId for the next page */
  listAuditOfKind(kind: AuditKind, limit: number): AuditEntry[] {
    return this.repos.audit.listOfKind(kind, limit);
  }

  setMeta(key: string, value: unknown): void {
    this.guard(() => this.repos.state.setSetting(`meta:${key}`, value));
  }

  getMeta<T>(key: string): T | null {
    return this.repos.state.getSetting<T>(`meta:${key}`);
  }

  listAudit(limit: number, beforeId?: number): AuditEntry[] {
    return this.repos.audit.list(limit, beforeId);
  }

  saveStopReport(r: StopReport): void {
    this.guard(() => this.repos.stops.save(r));
  }

  /** One transaction; a bar whose t is already stored is replaced. */
  saveBars(symbol: string, timeframe: Timeframe, bars: Bar[]): void {
    this.guard(() => this.repos.bars.save(symbol, timeframe, bars));
  }

  /** saveBars for bars held as columns: one transaction, the same validation */
  saveBarColumns(symbol: string, timeframe: Timeframe, bars: BarColumns): void {
    this.guard(() => this.repos.bars.saveColumns(symbol, timeframe, bars));
  }

  /** bars with fromT <= t <= toT, oldest first */
  loadBars(symbol: string, timeframe: Timeframe, fromT: number, toT: number): Bar[] {
    return this.repos.bars.load(symbol, timeframe, fromT, toT);
  }

  /**
   * The bars loadBars returns, as one Float64Array per field: no object per bar, so a
   * million bars load in milliseconds (backtests, long indicator histories).
   */
  loadBarColumns(symbol: string, timeframe: Timeframe, fromT: number, toT: number): BarColumns {
    return this.repos.bars.loadColumns(symbol, timeframe, fromT, toT);
  }

  /** the `limit` most recent stored bars, oldest first (the chart's history) */
  loadRecentBars(symbol: string, timeframe: Timeframe, limit: number): Bar[] {
    return this.repos.bars.loadRecent(symbol, timeframe, limit);
  }

  /** first/last stored bar time and count, null when none (to find what to backfill) */
  barCoverage(symbol: string, timeframe: Timeframe): BarCoverage | null {
    return this.repos.bars.coverage(symbol, timeframe);
  }

  /** The strategy lab's imported datasets and saved results (db/repositories/lab.ts). */
  get lab(): LabRepo {
    return this.repos.lab;
  }

  /**
   * The readiness checklist's lab evidence: the latest saved backtest and walk-forward of a
   * strategy (catalogue id, e.g. 'sma-cross'). Two indexed single-row reads.
   */
  latestLabEvidence(strategyId: string): LabEvidence {
    return evidenceFromResults(this.repos.lab.latestResult('backtest', strategyId), this.repos.lab.latestResult('walk-forward', strategyId));
  }

  paperRecord(strategyId: string): Omit<PaperRecord, 'source'> {
    const latest = this.repos.lab.latestResult('backtest', strategyId);
    const result = latest ? this.repos.lab.getResult(latest.id) : null;
    const backtest = result?.kind === 'backtest' ? { resultId: result.summary.id, name: result.summary.name, dataset: result.summary.setup.dataset, curve: result.equity } : null;
    return { days: this.repos.account.equityDays(), backtest };
  }

  /**
   * Several writes as one transaction and one fsync; all or nothing if `fn` throws.
   * `fn` must be synchronous.
   */
  batch<T>(fn: () => T): T {
    return this.guard(() => this.batchTx(fn) as T);
  }

  /**
   * Like batch, but the commit does not wait for the disk: SQLite writes the transaction to the
   * WAL (the OS has it, so it survives the app being killed) without the fsync, and it is
   * durable against a power cut once syncDeferred() resolves. The engine saves bar history with
   * it, so that the fsync, milliseconds on a busy disk, runs on libuv's thread pool instead of
   * the engine thread. Inside an open transaction it simply joins it. Any later synchronous
   * write (every other write method) fsyncs the same WAL file, which covers the deferred
   * commits before it too.
   */
  batchDeferred<T>(fn: () => T): T {
    if (this.db.inTransaction || this.db.memory || this.db.readonly) return this.batch(fn);
    this.db.pragma('synchronous = OFF');
    try {
      return this.batch(fn);
    } finally {
      this.db.pragma('synchronous = FULL');
      this.deferredSeq++;
    }
  }

  /**
   * Resolves when every deferred commit made before the call is on disk (one fdatasync of the
   * WAL on the thread pool, shared by all the commits that arrived meanwhile). A failure of the
   * disk rejects with a StoreWriteError.
   */
  syncDeferred(): Promise<void> {
    const seq = this.deferredSeq;
    if (seq <= this.syncedSeq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.syncWaiters.push({ seq, resolve, reject });
      this.pumpSync();
    });
  }

  /** Make every deferred commit durable now, on this thread (close). */
  syncNow(): void {
    const seq = this.deferredSeq;
    if (seq <= this.syncedSeq) return;
    const fd = this.openWal();
    if (fd !== null) {
      try {
        fdatasyncSync(fd);
      } catch (e) {
        throw asFsWriteError(this.db.name, e);
      }
    }
    this.markSynced(seq);
  }

  private openWal(): number | null {
    if (this.walFd === null) {
      try {
        this.walFd = openSync(`${this.db.name}-wal`, 'r+');
      } catch (e) {
        // no WAL file (nothing written yet): nothing to make durable
        if ((e as { code?: string }).code !== 'ENOENT') throw asFsWriteError(this.db.name, e);
      }
    }
    return this.walFd;
  }

  private markSynced(seq: number): void {
    this.syncedSeq = Math.max(this.syncedSeq, seq);
    const ready = this.syncWaiters.filter((w) => w.seq <= this.syncedSeq);
    this.syncWaiters = this.syncWaiters.filter((w) => w.seq > this.syncedSeq);
    for (const w of ready) w.resolve();
  }

  private pumpSync(): void {
    if (this.syncInFlight || this.syncWaiters.length === 0) return;
    const seq = this.deferredSeq;
    let fd: number | null;
    try {
      fd = this.openWal();
    } catch (e) {
      this.failSync(seq, e);
      return;
    }
    if (fd === null) {
      this.markSynced(seq);
      return;
    }
    this.syncInFlight = true;
    fdatasync(fd, (err) => {
      this.syncInFlight = false;
      if (this.closeAfterSync) this.closeWal();
      if (err) this.failSync(seq, asFsWriteError(this.db.name, err));
      else this.markSynced(seq);
      this.pumpSync();
    });
  }

  private failSync(seq: number, e: unknown): void {
    const failed = this.syncWaiters.filter((w) => w.seq <= seq);
    this.syncWaiters = this.syncWaiters.filter((w) => w.seq > seq);
    for (const w of failed) w.reject(e);
  }

  private closeWal(): void {
    if (this.walFd === null) return;
    try {
      closeSync(this.walFd);
    } catch {
      // already gone: nothing to release
    }
    this.walFd = null;
  }

  /**
   * A write the disk refused (full, read-only, I/O) surfaces as a StoreWriteError naming the
   * file, so the engine can tell the user what happened and what to do.
   */
  private guard<T>(fn: () => T): T {
    return guardWrite(this.db.name, fn);
  }

  /** the database file, for the background checkpointer */
  get file(): string {
    return this.db.name;
  }

  /**
   * A WalCheckpointer takes over checkpoints: commits on this connection no longer run them
   * (see db/checkpointer.ts for why).
   */
  disableAutoCheckpoint(): void {
    this.db.pragma('wal_autocheckpoint = 0');
  }

  close(): void {
    if (this.db.open && !this.db.readonly) {
      try {
        this.syncNow();
      } catch {
        // the disk refused: closing still goes on, and the next start reconciles
      }
    }
    // an fdatasync still running on the pool keeps the descriptor until it returns
    if (this.syncInFlight) this.closeAfterSync = true;
    else this.closeWal();
    if (this.db.open) this.db.close();
  }
}
