// The host's part of `app:metrics`: bars delivered to the engine, the process's memory and the
// event-loop delay of the thread the engine runs on. Cheap to keep and to read, so a soak test
// can poll it every second: three native delay monitors (since start, since the last mark, and
// one per window that is rolled into a short ring) and a counter on the market's bar listener.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { AppMetrics, HostMetrics } from '../engine/api/contract';
import type { MarketData } from '../engine/ports';

/** length of one event-loop delay window */
export const METRICS_WINDOW_MS = 1000;
/** windows kept: two minutes, so a poller that missed some still finds them */
export const METRICS_WINDOWS_KEPT = 120;
/** sampling resolution of the delay monitors; coarser would hide the short stalls we look for */
const RESOLUTION_MS = 2;

const ms = (ns: number): number => ns / 1e6;

export interface HostMetricsSource {
  read(): HostMetrics;
  /**
   * Add the host's section to an engine `app:metrics` result; `request.markDelay` then starts a
   * new 'since mark' delay period (after reading the one it closes).
   */
  complete(engine: AppMetrics, request?: { markDelay?: boolean }): AppMetrics;
  stop(): void;
}

export function startHostMetrics(market: MarketData, now: () => number = Date.now): HostMetricsSource {
  let barsProcessed = 0;
  // registered after the engine's listener: counted once the engine has taken the batch in
  const unsubscribe = market.onBars((batch) => {
    barsProcessed += batch.length;
  });
  const overall: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const window: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  // since the last markDelay: a soak marks the end of its warm-up, so that its figure covers the
  // run it judges and not the host's start and the browser's launch
  const sinceMark: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let markedAt: number | null = null;
  overall.enable();
  window.enable();
  sinceMark.enable();
  const windows: HostMetrics['eventLoopDelay']['windows'] = [];
  const roll = setInterval(() => {
    // an empty window (no sample yet) reports NaN percentiles in some Node versions: skip it
    if (window.count > 0) windows.push({ endedAt: now(), p99Ms: ms(window.percentile(99)), maxMs: ms(window.max), samples: window.count });
    if (windows.length > METRICS_WINDOWS_KEPT) windows.splice(0, windows.length - METRICS_WINDOWS_KEPT);
    window.reset();
  }, METRICS_WINDOW_MS);
  roll.unref();

  const read = (): HostMetrics => {
    const m = process.memoryUsage();
    const cpu = process.cpuUsage();
    const summary = (h: IntervalHistogram) => {
      const has = h.count > 0;
      return { p50Ms: has ? ms(h.percentile(50)) : 0, p99Ms: has ? ms(h.percentile(99)) : 0, maxMs: has ? ms(h.max) : 0, samples: h.count };
    };
    return {
      barsProcessed,
      memory: { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers },
      cpuMs: (cpu.user + cpu.system) / 1000,
      eventLoopDelay: {
        windowMs: METRICS_WINDOW_MS,
        overall: summary(overall),
        sinceMark: { ...summary(sinceMark), markedAt },
        windows: [...windows],
      },
    };
  };
  return {
    read,
    complete: (engine, request) => {
      const host = read();
      if (request?.markDelay) {
        sinceMark.reset();
        markedAt = now();
      }
      return { ...engine, host };
    },
    stop() {
      clearInterval(roll);
      overall.disable();
      window.disable();
      sinceMark.disable();
      unsubscribe();
    },
  };
}
