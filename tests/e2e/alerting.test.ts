/**
 * The example alert rules and Grafana dashboard in deploy/: promtool accepts the rules
 * and their unit tests pass, the dashboard is JSON Grafana can import, and every
 * metric either of them names is one a running API or worker exports.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDED } from '@vcq/jobs';
import { startWorld, uploadForm, type Json, type World } from '@vcq/testing';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';

const run = promisify(execFile);
const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');
const RULES = join(DEPLOY, 'prometheus', 'alerts.yml');
const RULE_TESTS = join(DEPLOY, 'prometheus', 'alerts.test.yml');
const DASHBOARD = join(DEPLOY, 'grafana', 'vcq.json');
// Debian's `prometheus` package has it; .ci/run installs it when missing.
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

/** Metric names of vcq's and of prom-client's process metrics that a text mentions. */
function metricsNamed(text: string): Set<string> {
  return new Set(text.match(/\b(?:vcq|process|nodejs)_[a-z0-9_]+\b/g) ?? []);
}

/** The metric families a scrape declares (`# TYPE name kind`), with a histogram's series names. */
function families(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, kind] of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name as string);
    if (kind === 'histogram' || kind === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

describe('promtool', () => {
  it('when the alert rules are checked, then promtool accepts every rule', async () => {
    const { stdout } = await run(PROMTOOL, ['check', 'rules', RULES]).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`promtool check rules failed (is promtool installed? apt-get install prometheus): ${error.stderr ?? error.message}`);
    });
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("when the rules' unit tests run, then each alert fires when and only when its test says", async () => {
    const { stdout } = await run(PROMTOOL, ['test', 'rules', RULE_TESTS]);
    expect(stdout).toMatch(/SUCCESS/);
  });
});

describe('the metrics the rules and the dashboard name', () => {
  let world: World;
  let api: ApiServer;
  let worker: WorkerProcess;

  beforeAll(async () => {
    world = await startWorld();
    const config = world.config({ WORKER_METRICS_PORT: '0' });
    [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
    // One job through, so every job series has a sample and not just a declaration.
    const c = await world.content();
    const res = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: { 'x-api-key': 'test-key' }, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
    const { jobId } = (await res.json()) as Json;
    expect((await api.waiter.wait(jobId, ENDED, 30_000))?.status).toBe('completed');
  });

  afterAll(async () => {
    await Promise.allSettled([api?.close(), worker?.close()]);
    await world?.close();
  });

  const exported = async () => {
    const scrapes = await Promise.all([api.metricsUrl, worker.metricsUrl as string].map(async (url) => (await fetch(url)).text()));
    return new Set(scrapes.flatMap((text) => [...families(text)]));
  };

  it('when the rules are read, then every metric they name is exported by the API or the worker', async () => {
    const named = metricsNamed(await readFile(RULES, 'utf8'));
    expect(named.size).toBeGreaterThan(5);
    const have = await exported();
    expect([...named].filter((name) => !have.has(name))).toEqual([]);
  });

  it('when the dashboard is read, then it is JSON whose panels query only exported metrics', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as Json;
    expect(dashboard).toMatchObject({ title: 'vcq', uid: 'vcq-overview' });
    const panels = dashboard.panels as Json[];
    expect(panels.length).toBeGreaterThan(5);
    const exprs = panels.flatMap((p) => (p.targets as Json[]).map((t) => t.expr as string));
    expect(exprs.every((e) => typeof e === 'string' && e.length > 0)).toBe(true);
    const named = metricsNamed(exprs.join('\n'));
    // The panels cover the workers, the job counts and the dead letters at least.
    for (const needed of ['vcq_workers', 'vcq_jobs', 'vcq_jobs_failed_total']) expect(named.has(needed), needed).toBe(true);
    const have = await exported();
    expect([...named].filter((name) => !have.has(name))).toEqual([]);
    // Every panel's query names at least one metric (no panel left on a typo'd name that matched nothing).
    for (const expr of exprs) expect(metricsNamed(expr).size, expr).toBeGreaterThan(0);
  });
});
