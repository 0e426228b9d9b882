// The link to the engine: connected, connecting, or reconnecting with a countdown and the reason.
import type { ConnectionState } from '../api';
import { assertNever } from '../assertNever';
import { useNow } from '../hooks/useNow';
import { useConnectionStore } from '../store/connection';

function describe(state: ConnectionState, now: number): { text: string; tone: 'ok' | 'warn' | 'bad' } {
  switch (state.status) {
    case 'connected':
      return { text: state.transport === 'ipc' ? 'Engine connected' : 'Connected', tone: 'ok' };
    case 'connecting':
      return { text: 'Connecting…', tone: 'warn' };
    case 'reconnecting': {
      const seconds = state.retryAt === null ? 0 : Math.max(0, Math.ceil((state.retryAt - now) / 1000));
      return { text: seconds > 0 ? `Disconnected, retry in ${seconds}s` : 'Reconnecting…', tone: 'bad' };
    }
    case 'unavailable':
      return { text: 'Not connected', tone: 'bad' };
    default:
      return assertNever(state.status);
  }
}

export function ConnectionStatusView() {
  const connection = useConnectionStore((s) => s.connection);
  const now = useNow(connection.status === 'reconnecting' ? 500 : 60_000);
  const { text, tone } = describe(connection, now);
  return (
    <div className="status-chip" title={connection.detail}>
      <span className={`dot dot-${tone}`} />
      <span data-testid="connection-status" data-status={connection.status}>
        {text}
      </span>
    </div>
  );
}
