import { describe, expect, it } from 'vitest';
import { createAggregateMetrics, createMetrics, readMetric } from '../src/index.js';

/** What an IPC message does to a snapshot: JSON there and back. */
const overIpc = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('createAggregateMetrics', () => {
  it('when two processes counted jobs, then the supervisor scrape sums counters and histograms and adds its own series', async () => {
    const a = createMetrics();
    const b = createMetrics();
    const job = { queue: 'verification', name: 'verify' };
    for (let i = 0; i < 3; i++) a.jobs.finished({ ...job, outcome: 'completed', durationMs: 10 });
    for (let i = 0; i < 4; i++) b.jobs.finished({ ...job, outcome: 'completed', durationMs: 2000 });
    b.jobs.finished({ ...job, outcome: 'failed', durationMs: 5 });
    const aggregate = createAggregateMetrics({ collect: async () => [overIpc(await a.snapshot()), overIpc(await b.snapshot())], running: () => 2 });
    aggregate.restarted();

    const text = await aggregate.render();
    expect(aggregate.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(readMetric(text, 'vcq_jobs_completed_total', job)).toBe(7);
    expect(readMetric(text, 'vcq_jobs_failed_total', job)).toBe(1);
    expect(readMetric(text, 'vcq_job_duration_seconds_count', job)).toBe(8);
    expect(readMetric(text, 'vcq_job_duration_seconds_bucket', { ...job, le: '0.01' })).toBe(4);
    expect(readMetric(text, 'vcq_job_duration_seconds_bucket', { ...job, le: '+Inf' })).toBe(8);
    expect(readMetric(text, 'vcq_webhook_deliveries_total', { outcome: 'delivered' })).toBe(0);
    expect(readMetric(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(readMetric(text, 'vcq_worker_processes')).toBe(2);
    expect(readMetric(text, 'vcq_worker_processes_reporting')).toBe(2);
    expect(readMetric(text, 'vcq_worker_process_restarts_total')).toBe(1);
    // One HELP/TYPE per family: the sum is one family, not one per process.
    expect(text.match(/^# TYPE vcq_jobs_completed_total /gm)).toHaveLength(1);
  });

  it('when no child answers, then the scrape still holds the supervisor series and says none reported', async () => {
    const aggregate = createAggregateMetrics({ collect: async () => [], running: () => 1 });
    const text = await aggregate.render();
    expect(readMetric(text, 'vcq_worker_processes')).toBe(1);
    expect(readMetric(text, 'vcq_worker_processes_reporting')).toBe(0);
    expect(readMetric(text, 'vcq_jobs_completed_total')).toBeUndefined();
  });
});
