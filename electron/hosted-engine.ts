// What a host needs from the runtime (electron/runtime.ts satisfies it structurally). Hosts are
// written against this narrow view so they can be tested with a fake engine.
import type { EngineEvent, Result } from '../engine/api/contract';

export type HostLogLevel = 'info' | 'warn' | 'error';
export type HostLog = (level: HostLogLevel, message: string, data?: unknown) => void;

export interface HostedEngine {
  /** validates channel + payload with the contract's schemas; never throws */
  dispatch(channel: unknown, payload: unknown): Promise<Result<unknown>>;
  subscribe(listener: (e: EngineEvent) => void): () => void;
}

/** One log line on stderr, so that stdout stays reserved for what a host promises to print. */
export function stderrLog(prefix: string): HostLog {
  return (level, message, data) => {
    const extra = data === undefined ? '' : ` ${safeJson(data)}`;
    process.stderr.write(`${new Date().toISOString()} ${prefix} ${level}: ${message}${extra}\n`);
  };
}

function safeJson(data: unknown): string {
  if (data instanceof Error) return JSON.stringify({ error: data.message });
  try {
    return JSON.stringify(data) ?? String(data);
  } catch {
    return String(data);
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
