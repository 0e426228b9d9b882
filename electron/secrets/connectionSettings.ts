// The broker choices a data directory remembers, without any secret:
// - broker-connection.json: the Alpaca environment the next start trades in (paper unless the
//   user switched to live, with the confirmation, at a recorded time);
// - broker-in-use.json: which broker the last runtime on this directory started with, so that
//   `cli stop` (when no app runs) stops at the right broker.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlpacaEnvironment } from '../../engine/api/broker';
import type { BrokerEnvironment, BrokerKind } from '../../engine/domain/types';

export const CONNECTION_FILE_NAME = 'broker-connection.json';
export const BROKER_IN_USE_FILE_NAME = 'broker-in-use.json';

export interface ConnectionSettingsFile {
  environment: AlpacaEnvironment;
  /** when the user confirmed live trading (null while paper) */
  liveConfirmedAt: number | null;
}

export interface BrokerInUse {
  broker: BrokerKind;
  environment: BrokerEnvironment;
  startedAt: number;
}

export const DEFAULT_CONNECTION: ConnectionSettingsFile = { environment: 'paper', liveConfirmedAt: null };

function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function readJson(path: string): unknown {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Parse point: a damaged or unknown file reads as the safe default (paper). */
export function readConnectionSettings(dataDir: string): ConnectionSettingsFile {
  const raw = readJson(join(dataDir, CONNECTION_FILE_NAME));
  if (typeof raw !== 'object' || raw === null) return DEFAULT_CONNECTION;
  const r = raw as Record<string, unknown>;
  // live is only ever read back together with the moment it was confirmed
  if (r.environment === 'live' && typeof r.liveConfirmedAt === 'number') return { environment: 'live', liveConfirmedAt: r.liveConfirmedAt };
  return DEFAULT_CONNECTION;
}

export function writeConnectionSettings(dataDir: string, s: ConnectionSettingsFile): void {
  writeJson(join(dataDir, CONNECTION_FILE_NAME), s);
}

export function recordBrokerInUse(dataDir: string, b: BrokerInUse): void {
  writeJson(join(dataDir, BROKER_IN_USE_FILE_NAME), b);
}

/** Which broker the last runtime on `dataDir` used; null for a directory from before this file existed (the simulator). */
export function readBrokerInUse(dataDir: string): BrokerInUse | null {
  const raw = readJson(join(dataDir, BROKER_IN_USE_FILE_NAME));
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if ((r.broker !== 'sim' && r.broker !== 'alpaca') || typeof r.startedAt !== 'number') return null;
  const environment = r.environment === 'live' || r.environment === 'paper' || r.environment === 'simulated' ? r.environment : r.broker === 'sim' ? 'simulated' : 'paper';
  return { broker: r.broker, environment, startedAt: r.startedAt };
}
