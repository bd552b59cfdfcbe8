/**
 * `node --import tsx bench/cluster.ts [--n 2000] [--connections 20]`: the same load on
 * one redis-server and on a Redis Cluster (3 masters, 3 replicas, REDIS_MODE=cluster),
 * each with its API and one worker as separate processes. Per mode: the API's accept
 * rate for N `POST /api/credentials/issue` (202s per second, `--connections` at once,
 * no worker running) and one worker's drain rate (N / (last `completed_at` − first
 * `started_at`)). Prints one JSON line per mode. A measurement, not a test.
 */
import { startRedisCluster } from '@vcq/testing';
import { api, importIssuer, issueBody, options, round, startDeployment } from './lib.js';

const opt = options('CLUSTER');
const n = opt.number('n', 2000);
const connections = opt.number('connections', 20);

const cluster = await startRedisCluster();
const d = await startDeployment({ prefix: 'clbench', env: { ENABLE_TASK_SCHEDULING: 'false' } });
try {
  const modes: Array<{ mode: string; env: Record<string, string> }> = [
    { mode: 'standalone', env: { QUEUE_PREFIX: `${d.queuePrefix}s` } },
    { mode: 'cluster', env: { QUEUE_PREFIX: `${d.queuePrefix}c`, REDIS_MODE: 'cluster', REDIS_URL: cluster.url, REDIS_CLUSTER_NODES: cluster.seeds } },
  ];
  for (const { mode, env } of modes) {
    const apiProc = await d.spawn('api', env);
    const issuer = await importIssuer(d.apiUrl);
    const ids: string[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < n) {
          const i = next++;
          const res = await api(d.apiUrl, 'POST', '/api/credentials/issue', issueBody(issuer, i));
          if (res.status !== 202 || res.body?.mode !== 'async') throw new Error(`submit ${i}: ${res.status} ${res.text.slice(0, 200)}`);
          ids.push(res.body.jobId as string);
        }
      }),
    );
    const acceptSeconds = (performance.now() - started) / 1000;
    const worker = await d.spawn('worker', env);
    await d.until(
      async () => {
        const r = await d.sql.query<{ n: string }>("SELECT count(*) AS n FROM jobs WHERE id = ANY($1::uuid[]) AND status = 'completed'", [ids]);
        return Number(r[0]?.n) === n;
      },
      `${n} ${mode} jobs to complete`,
      300_000,
    );
    const span = await d.sql.query<{ s: number }>('SELECT extract(epoch FROM max(completed_at) - min(started_at))::float AS s FROM jobs WHERE id = ANY($1::uuid[])', [ids]);
    const drainSeconds = Number(span[0]?.s);
    console.log(JSON.stringify({ mode, n, connections, accept_per_s: round(n / acceptSeconds, 0), drain_per_s: round(n / drainSeconds, 0) }));
    await d.stop(worker);
    await d.stop(apiProc);
  }
} finally {
  await d.close();
  await cluster.stop();
}
