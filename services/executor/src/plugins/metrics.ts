import fastifyMetricsModule from 'fastify-metrics';
import fp from 'fastify-plugin';
import promClient, { Counter, Gauge, Registry } from 'prom-client';
import type { StationStats } from '../station/station-stats.js';

// A CommonJS module whose plugin is its `default` export.
const fastifyMetrics = fastifyMetricsModule.default;

/**
 * GET /metrics in Prometheus text format (fastify-metrics on prom-client): prom-client's default process metrics
 * under their usual names (nodejs_heap_size_used_bytes, process_resident_memory_bytes, nodejs_eventloop_lag_*,
 * nodejs_gc_*), request durations per method, route and status (http_request_duration_seconds), and the stations'
 * figures, read from every station thread at each scrape. One registry per app, so apps in one process (tests) do
 * not collide.
 */
export default fp(
  async (fastify) => {
    const registry = new Registry();
    await fastify.register(fastifyMetrics, {
      promClient,
      defaultMetrics: { enabled: true, register: registry },
      routeMetrics: {
        enabled: { histogram: true, summary: false },
        // The plugin makes its summary even when it is off: registered nowhere.
        overrides: { histogram: { registers: [registry] }, summary: { registers: [] } },
      },
      // Served below, from this app's registry and with a schema (the plugin's own route reads the global one).
      endpoint: null,
    });
    stationMetrics(registry, async () => {
      const stats = await fastify.stations.stats();
      // In cluster mode the stations only append to the stream; this process's stream dispatcher delivers, and
      // the stream holds every executor's undelivered entries (NaN, unknown, while Redis cannot be reached).
      const outbox = fastify.streamOutbox;
      if (!outbox) return stats;
      return {
        ...stats,
        deliveries: { ...outbox.counts },
        pendingDeliveries: await outbox.streamLength().catch(() => Number.NaN),
      };
    });
    fastify.get(
      '/metrics',
      {
        logLevel: 'warn',
        schema: {
          summary: 'Prometheus metrics',
          description:
            'Process (RSS, heap, event-loop lag, GC), requests per route and status, deliveries to the data ' +
            'server, blocks refused by backpressure, stations known and in memory.',
          tags: ['health'],
          produces: [registry.contentType],
          response: { 200: { type: 'string' } },
        },
      },
      async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
    );
  },
  { name: 'metrics', dependencies: ['station-service', 'stream-outbox'] },
);

/** The stations' gauges and counters, from one `read()` per scrape (collect functions run together). */
function stationMetrics(registry: Registry, read: () => Promise<StationStats>): void {
  let scrape: Promise<StationStats> | undefined;
  const stats = () => {
    scrape ??= read().finally(() => {
      scrape = undefined;
    });
    return scrape;
  };
  const registers = [registry];
  const gauge = (name: string, help: string, value: (s: StationStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.set(value(await stats()));
      },
    });
  gauge(
    'outliers_outbox_pending_entries',
    'Outbox entries not yet delivered to the data server',
    (s) => s.pendingDeliveries,
  );
  gauge('outliers_stations_known', 'Stations known (in memory or not)', (s) => s.stations);
  gauge('outliers_stations_resident', 'Stations whose detectors are in memory', (s) => s.resident);
  gauge(
    'outliers_station_threads_down',
    'Station threads that did not answer this scrape',
    (s) => s.threadsDown,
  );
  // Counters kept by the stations (each thread's since it started): set at each scrape.
  const counter = (name: string, help: string, label: string, counts: (s: StationStats) => object) =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      async collect() {
        const values = Object.entries(counts(await stats())) as [string, number][];
        this.reset();
        for (const [value, count] of values) this.inc({ [label]: value }, count);
      },
    });
  counter(
    'outliers_outbox_deliveries_total',
    'Delivery attempts by outcome: succeeded, failed (refused for good by the data server, dropped), retried',
    'outcome',
    (s) => s.deliveries,
  );
  counter(
    'outliers_blocks_refused_total',
    'Blocks answered 503 because undelivered entries reached a bound (station: its own, total: all)',
    'bound',
    (s) => s.refused,
  );
  new Gauge({
    name: 'outliers_station_thread_heap_used_bytes',
    help: "Each station thread's V8 heap in use (nodejs_heap_size_used_bytes is the event loop's)",
    labelNames: ['thread'],
    registers,
    async collect() {
      const { threads } = await stats();
      this.reset();
      for (const { thread, heapUsedBytes } of threads) this.set({ thread: String(thread) }, heapUsedBytes);
    },
  });
}
