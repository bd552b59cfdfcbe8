/**
 * The metrics of a supervised worker box: every child process's registry, summed
 * into one scrape by the supervisor (counters and histograms add up; the process and
 * Node gauges follow prom-client's cluster rules: memory and CPU summed, event-loop
 * lag averaged, start time left out), plus the supervisor's own series on its children.
 */
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';

/** One process's registry as JSON (prom-client's `getMetricsAsJSON()`), as it crosses IPC. */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** What `startMetricsServer` serves: Prometheus text and its content type. */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface AggregateMetricsOptions {
  /** The children's snapshots for one scrape (those that answered in time). */
  collect: () => Promise<MetricsSnapshot[]>;
  /** How many children are running now. */
  running: () => number;
  /** Prefix of the supervisor's own series; default `vcq_`. */
  prefix?: string;
}

export interface AggregateMetrics extends MetricsSource {
  /** Counts one child started again after it exited. */
  restarted(): void;
}

/** The supervisor's scrape: its children's registries summed, and its own series. */
export function createAggregateMetrics(options: AggregateMetricsOptions): AggregateMetrics {
  const prefix = options.prefix ?? 'vcq_';
  const own = new Registry();
  const registers = [own];
  new Gauge({
    name: `${prefix}worker_processes`,
    help: 'Worker processes running under the supervisor now.',
    registers,
    collect() {
      this.set(options.running());
    },
  });
  const reporting = new Gauge({
    name: `${prefix}worker_processes_reporting`,
    help: 'Worker processes whose metrics are in this scrape; fewer than vcq_worker_processes means some did not answer in time.',
    registers,
  });
  const restarts = new Counter({
    name: `${prefix}worker_process_restarts_total`,
    help: 'Worker processes started again after one exited on its own (crashed or was killed); its counters start from 0 again.',
    registers,
  });
  return {
    contentType: own.contentType,
    async render() {
      const snapshots = await options.collect();
      reporting.set(snapshots.length);
      // Both in the text format; the children's names and the supervisor's never overlap.
      const parts = await Promise.all([AggregatorRegistry.aggregate(snapshots).metrics(), own.metrics()]);
      return `${parts
        .map((p) => p.trim())
        .filter(Boolean)
        .join('\n\n')}\n`;
    },
    restarted() {
      restarts.inc();
    },
  };
}
