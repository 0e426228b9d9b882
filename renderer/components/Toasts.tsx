// Errors and confirmations in the corner; errors stay until dismissed.
import { dismissToast, useToastsStore } from '../store/toasts';

export function Toasts() {
  const toasts = useToastsStore((s) => s.toasts);
  return (
    <div className="toasts" aria-live="assertive">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'} data-testid="toast">
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
