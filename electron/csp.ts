// The Content-Security-Policy both hosts send with the renderer. The page needs only its own
// scripts and styles (React and lightweight-charts set inline styles through the CSSOM and
// `style` attributes, hence 'unsafe-inline' for styles only), images from itself or data URLs,
// and, in a browser, a WebSocket back to the headless host. Everything else is refused.

export interface CspOptions {
  /** extra sources for connect-src (the headless host's ws:// origins) */
  connectSrc?: readonly string[];
}

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const connect = ["'self'", ...(opts.connectSrc ?? [])].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Headers sent with every renderer file, whichever host serves it. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    // the page URL carries the headless token: never leak it in a Referer
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
