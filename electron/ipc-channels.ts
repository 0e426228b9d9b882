// The two IPC channels between the preload and the main process. Kept in their own module so
// the sandboxed preload bundles nothing but these strings.
export const API_REQUEST_CHANNEL = 'api:request';
export const API_EVENT_CHANNEL = 'api:event';
