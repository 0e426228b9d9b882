// When the link to the engine is down, everything on screen is the last known state: say so,
// with the reason, rather than let stale numbers pass for live ones.
import { useConnectionStore } from '../store/connection';

export function ConnectionBanner() {
  const connection = useConnectionStore((s) => s.connection);
  const synced = useConnectionStore((s) => s.synced);
  if (connection.status === 'connected' && synced) return null;
  if (connection.status === 'connecting' && connection.attempt === 0) return null;
  const text =
    connection.status === 'connected' ? 'Loading the supervisor state…' : `Not connected to the supervisor: ${connection.detail}.`;
  return (
    <div className="connection-banner" role="alert">
      {text} {connection.status !== 'connected' && connection.status !== 'unavailable' && 'Figures below are the last known state; reconnecting automatically.'}
    </div>
  );
}
