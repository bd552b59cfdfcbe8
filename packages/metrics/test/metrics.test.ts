/**
 * The instruments on their own: registries are per call, observers land in the
 * right series, and scrape-time collectors report what their sources say.
 */
import { describe, expect, it } from 'vitest';
import { createMetrics, readMetric } from '../src/index.js';

describe('createMetrics', () => {
  it('when two sets of metrics are created, then they share no state', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.jobs.finished({ queue: 'q', name: 'n', outcome: 'completed', durationMs: 5 });
    expect(readMetric(await a.render(), 'vcq_jobs_completed_total', { queue: 'q', name: 'n' })).toBe(1);
    expect(readMetric(await b.render(), 'vcq_jobs_completed_total', { queue: 'q', name: 'n' })).toBeUndefined();
  });

  it('when attempts end each way, then completed, failed and retries are counted apart and every run is timed', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.jobs.picked({ queue: 'q', name: 'n', waitMs: 1500 });
    m.jobs.finished({ queue: 'q', name: 'n', outcome: 'retry', durationMs: 10 });
    m.jobs.finished({ queue: 'q', name: 'n', outcome: 'failed', durationMs: 20 });
    m.jobs.finished({ queue: 'q', name: 'n', outcome: 'failed' });
    const text = await m.render();
    expect(readMetric(text, 'vcq_job_retries_total', { queue: 'q', name: 'n' })).toBe(1);
    expect(readMetric(text, 'vcq_jobs_failed_total', { queue: 'q', name: 'n' })).toBe(2);
    expect(readMetric(text, 'vcq_job_duration_seconds_count', { queue: 'q', name: 'n' })).toBe(2);
    expect(readMetric(text, 'vcq_job_duration_seconds_sum', { queue: 'q', name: 'n' })).toBeCloseTo(0.03);
    expect(readMetric(text, 'vcq_job_wait_seconds_sum', { queue: 'q' })).toBeCloseTo(1.5);
    expect(readMetric(text, 'vcq_job_wait_seconds_bucket', { queue: 'q', le: '1' })).toBe(0);
    expect(readMetric(text, 'vcq_job_wait_seconds_bucket', { queue: 'q', le: '2.5' })).toBe(1);
  });

  it('when job counts are collected, then every state of every known queue is reported, zeros included', async () => {
    const m = createMetrics({ defaultMetrics: false });
    let rows = [{ queue: 'a', status: 'completed', count: 3 }];
    m.collectJobCounts(async () => rows, { queues: ['a', 'b'] });
    let text = await m.render();
    expect(readMetric(text, 'vcq_jobs', { queue: 'a', state: 'completed' })).toBe(3);
    expect(readMetric(text, 'vcq_jobs', { queue: 'a', state: 'failed' })).toBe(0);
    expect(readMetric(text, 'vcq_jobs', { queue: 'b', state: 'queued' })).toBe(0);
    rows = [{ queue: 'c', status: 'queued', count: 1 }];
    text = await m.render();
    expect(readMetric(text, 'vcq_jobs', { queue: 'a', state: 'completed' })).toBe(0);
    expect(readMetric(text, 'vcq_jobs', { queue: 'c', state: 'queued' })).toBe(1);
  });

  it('when the job count source fails, then the scrape still answers, without stale counts, and the error is counted', async () => {
    const errors: string[] = [];
    const m = createMetrics({ defaultMetrics: false, onCollectError: (collector) => errors.push(collector) });
    let fail = false;
    m.collectJobCounts(async () => {
      if (fail) throw new Error('postgres down');
      return [{ queue: 'a', status: 'queued', count: 2 }];
    });
    expect(readMetric(await m.render(), 'vcq_jobs', { queue: 'a', state: 'queued' })).toBe(2);
    fail = true;
    const text = await m.render();
    expect(readMetric(text, 'vcq_jobs', { queue: 'a', state: 'queued' })).toBeUndefined();
    expect(readMetric(text, 'vcq_metrics_collect_errors_total', { collector: 'jobs' })).toBe(1);
    expect(errors).toEqual(['jobs']);
  });

  it('when the fallback probe changes, then the gauge follows it at scrape time', async () => {
    const m = createMetrics({ defaultMetrics: false });
    let down = false;
    m.collectFallback(() => down);
    expect(readMetric(await m.render(), 'vcq_sync_fallback')).toBe(0);
    down = true;
    expect(readMetric(await m.render(), 'vcq_sync_fallback')).toBe(1);
  });

  it('when the workers collector reads heartbeats, then every queue is reported, 0 included, and a failed read leaves it empty', async () => {
    const m = createMetrics({ defaultMetrics: false });
    let rows: Array<{ queue: string; count: number }> | Error = [{ queue: 'a', count: 2 }];
    m.collectWorkers(
      async () => {
        if (rows instanceof Error) throw rows;
        return rows;
      },
      { queues: ['a', 'b'] },
    );
    let text = await m.render();
    expect(readMetric(text, 'vcq_workers', { queue: 'a' })).toBe(2);
    expect(readMetric(text, 'vcq_workers', { queue: 'b' })).toBe(0);
    rows = [{ queue: 'b', count: 1 }];
    text = await m.render();
    expect(readMetric(text, 'vcq_workers', { queue: 'a' })).toBe(0);
    expect(readMetric(text, 'vcq_workers', { queue: 'b' })).toBe(1);
    rows = new Error('database down');
    text = await m.render();
    expect(readMetric(text, 'vcq_workers', { queue: 'b' })).toBeUndefined();
    expect(readMetric(text, 'vcq_metrics_collect_errors_total', { collector: 'workers' })).toBe(1);
  });

  it('when nothing registers a collector, then its family is not exposed', async () => {
    const text = await createMetrics({ defaultMetrics: false }).render();
    expect(text).not.toContain('vcq_jobs ');
    expect(text).not.toContain('vcq_sync_fallback');
    expect(readMetric(text, 'vcq_webhook_deliveries_total', { outcome: 'delivered' })).toBe(0);
  });

  it('when default metrics are on, then process metrics are in the same registry under their standard names', async () => {
    const m = createMetrics();
    const text = await m.render();
    expect(readMetric(text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(readMetric(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('when a prefix is given, then vcq metrics use it', async () => {
    const m = createMetrics({ defaultMetrics: false, prefix: 'other_' });
    m.reconciler.readded({ queue: 'q', name: 'n' });
    m.webhooks.attempted({ outcome: 'retry' });
    const text = await m.render();
    expect(readMetric(text, 'other_reconciler_readded_total', { queue: 'q' })).toBe(1);
    expect(readMetric(text, 'other_webhook_deliveries_total', { outcome: 'retry' })).toBe(1);
  });
});
