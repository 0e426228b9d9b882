import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { SqliteStore } from '../../../db/SqliteStore';
import { SqliteSimLedger } from '../../../db/simLedger';
import { makeTempDir, samplePosition, sampleTradingState } from './fixtures';

const root = resolve(import.meta.dirname, '../../..');
let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = makeTempDir('crash-')));
afterEach(() => cleanup());

describe('durability across a SIGKILL', () => {
  it('every write that returned before the process was killed is there after reopening, read-only and read-write', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crashWriter.ts'), dir], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    expect(child.stdout).toContain('written');

    const reader = SqliteStore.openReadOnly(dir);
    expect(reader.listOrders('all', 100)).toHaveLength(20);
    reader.close();

    const store = SqliteStore.open(dir);
    try {
      const r = store.restore();
      expect(r.tradingState).toEqual(sampleTradingState());
      expect(r.openOrders).toHaveLength(19);
      expect(r.positions).toEqual([samplePosition()]);
      expect(r.fillsAfterCheckpoint).toEqual([]);
      expect(store.countFills()).toBe(1);
    } finally {
      store.close();
    }
    const ledger = SqliteSimLedger.open(dir);
    try {
      expect(ledger.totalSubmissions()).toEqual({ accepted: 20, refused: 0 });
    } finally {
      ledger.close();
    }
  });
});
