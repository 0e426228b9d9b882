// Keys never reach a log line: every log the runtime writes goes through a Redactor that knows
// the key IDs and secrets in use (added as soon as they are read or saved) and replaces them,
// wherever they appear in the message or in the attached data (error messages, raw bodies).
import type { HostLog } from '../hosted-engine';

export const REDACTED = '[redacted]';
/** values shorter than this are not secrets we hold (and would redact common words) */
const MIN_SECRET_LENGTH = 8;
const MAX_DEPTH = 8;

/** A key ID as the user may see it: the first two and last four characters ("PK…7QX2"). */
export function maskKeyId(keyId: string): string {
  const t = keyId.trim();
  if (t.length < 10) return '…';
  return `${t.slice(0, 2)}…${t.slice(-4)}`;
}

export class Redactor {
  /** secret -> what replaces it, longest first so a secret containing another is replaced whole */
  private entries: [string, string][] = [];

  /** Redact `value` from now on; a key ID is shown masked, anything else as [redacted]. */
  add(value: string | null | undefined, replacement: string = REDACTED): void {
    const v = value?.trim();
    if (!v || v.length < MIN_SECRET_LENGTH || this.entries.some(([s]) => s === v)) return;
    this.entries.push([v, replacement]);
    this.entries.sort((a, b) => b[0].length - a[0].length);
  }

  addKeys(keys: { keyId: string; secret: string }): void {
    this.add(keys.secret);
    this.add(keys.keyId, maskKeyId(keys.keyId));
  }

  text(s: string): string {
    let out = s;
    for (const [secret, replacement] of this.entries) if (out.includes(secret)) out = out.split(secret).join(replacement);
    return out;
  }

  /** A redacted copy of any log payload (errors become {name, message, stack}). */
  value(v: unknown, depth = 0): unknown {
    if (typeof v === 'string') return this.text(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth >= MAX_DEPTH) return '[too deep]';
    if (v instanceof Error) {
      return { name: v.name, message: this.text(v.message), ...(v.stack ? { stack: this.text(v.stack) } : {}) };
    }
    if (Buffer.isBuffer(v)) return this.text(v.toString('utf8'));
    if (Array.isArray(v)) return v.map((x) => this.value(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.value(x, depth + 1);
    return out;
  }
}

/** The same log, redacted. */
export function redactingLog(log: HostLog, redactor: Redactor): HostLog {
  return (level, message, data) => log(level, redactor.text(message), data === undefined ? undefined : redactor.value(data));
}
