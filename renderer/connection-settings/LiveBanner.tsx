// While the engine trades a live account: a red strip under the header on every screen, and the
// header's environment badge restyled red (connection.css), so real money is never mistaken for
// paper. It cannot be dismissed.
import { useAccountStore } from '../store/account';
import './connection.css';

export function LiveBanner() {
  const live = useAccountStore((s) => s.broker?.environment === 'live');
  if (!live) return null;
  return (
    <div className="live-banner" role="status" data-testid="live-banner">
      LIVE TRADING: orders go to your real Alpaca account and use real money
    </div>
  );
}
