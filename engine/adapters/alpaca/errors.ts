// Expected failures as values: every way an Alpaca call can fail becomes a BrokerResult failure
// whose message a user can read ("what happened, while doing what, what to do").
import { ApiError, FetchError } from '@alpacahq/alpaca-trade-api';
import type { BrokerResult } from '../../ports';

export type BrokerFailure = Extract<BrokerResult<never>, { ok: false }>;

/** The parts of a failed call the broker needs to decide what to do next. */
export interface CallFailure extends BrokerFailure {
  status: number | null;
  code: number | string | null;
  /** true when the request may have reached Alpaca and acted (lost response, timeout, 5xx) */
  ambiguous: boolean;
}

function causeOf(e: FetchError): { name: string; message: string } {
  const c: unknown = e.cause;
  if (c instanceof Error) {
    const inner: unknown = (c as Error & { cause?: unknown }).cause;
    const detail = inner instanceof Error ? `${c.message}: ${inner.message}` : c.message;
    return { name: c.name, message: detail };
  }
  return { name: 'Error', message: e.message };
}

/** Best-effort read of the extra fields Alpaca puts next to {code, message} (buying_power, available...). */
async function extraFields(e: ApiError): Promise<Record<string, unknown>> {
  try {
    const text = await e.response.clone().text();
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function describeFailure(e: unknown, doing: string, hosts: string): Promise<CallFailure> {
  if (e instanceof ApiError) {
    const status = e.status;
    const code = e.code ?? null;
    const said = e.message || `HTTP ${status}`;
    if (status === 401) {
      return {
        ok: false,
        kind: 'rejected',
        status,
        code,
        ambiguous: false,
        message: `Alpaca refused the API keys while ${doing} (401 ${said}). Check the key ID and secret, and that paper keys are used with the paper endpoint and live keys with the live one.`,
      };
    }
    if (status === 403) {
      const extra = await extraFields(e);
      const bp = typeof extra.buying_power === 'string' ? ` (buying power available: $${extra.buying_power})` : '';
      return { ok: false, kind: 'rejected', status, code, ambiguous: false, message: `Alpaca refused ${doing}: ${said}${bp}` };
    }
    if (status === 404) return { ok: false, kind: 'not_found', status, code, ambiguous: false, message: `Alpaca found nothing while ${doing}: ${said}` };
    if (status === 400 || status === 422) return { ok: false, kind: 'rejected', status, code, ambiguous: false, message: `Alpaca rejected ${doing}: ${said}` };
    if (status === 429) {
      const wait = e.retryAfterMs ?? 60_000;
      return {
        ok: false,
        kind: 'rate_limited',
        status,
        code,
        ambiguous: false,
        retryAfterMs: wait,
        message: `Alpaca's request limit was reached while ${doing}; try again in ${Math.ceil(wait / 1000)} s`,
      };
    }
    return {
      ok: false,
      kind: 'server',
      status,
      code,
      ambiguous: status >= 500,
      message: `Alpaca answered ${status} (${said}) while ${doing}; its servers may be having trouble`,
    };
  }
  if (e instanceof FetchError) {
    const cause = causeOf(e);
    const timedOut = cause.name === 'TimeoutError' || /timed out/i.test(cause.message);
    return {
      ok: false,
      kind: 'network',
      status: null,
      code: null,
      ambiguous: true,
      message: timedOut
        ? `Alpaca did not answer in time while ${doing} (${cause.message})`
        : `could not reach Alpaca at ${hosts} while ${doing} (${cause.message}); check the network connection and the configured URLs`,
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { ok: false, kind: 'network', status: null, code: null, ambiguous: true, message: `unexpected failure while ${doing}: ${message}` };
}

/** Strip the adapter-only fields to the port's failure shape. */
export function asFailure(f: CallFailure): BrokerFailure {
  return f.retryAfterMs !== undefined ? { ok: false, kind: f.kind, message: f.message, retryAfterMs: f.retryAfterMs } : { ok: false, kind: f.kind, message: f.message };
}
