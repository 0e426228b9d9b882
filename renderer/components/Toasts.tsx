// Errors, alerts and confirmations in the corner (store/toasts.ts says which stay until dismissed).
// Alert toasts have their own test id: a test waiting for a command's error must not take an alert for it.
import { dismissToast, useToastsStore } from '../store/toasts';

export function Toasts() {
  const toasts = useToastsStore((s) => s.toasts);
  return (
    <div className="toasts" aria-live="assertive">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'info' ? 'status' : 'alert'} data-testid={t.source === 'alert' ? 'alert-toast' : 'toast'}>
          <div className="toast-body">
            <strong>{t.title}</strong>
            <span>{t.message}</span>
          </div>
          <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
