/**
 * The baseline of `worker_ratio`: raw BullMQ draining N no-op jobs, in its own
 * process like vcq's worker. Prints one JSON line `{firstStartMs, lastDoneMs, count, cpuMs}`
 * once N jobs have completed (cpuMs: the CPU it used from the first job to the last), then exits.
 *
 * Usage: node --import tsx bench/noop-worker.ts <redisUrl> <prefix> <queue> <n> <concurrency>
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [redisUrl, prefix, queue, nArg, concurrencyArg] = process.argv.slice(2);
if (!redisUrl || !prefix || !queue || !nArg || !concurrencyArg) {
  process.stderr.write('usage: noop-worker.ts <redisUrl> <prefix> <queue> <n> <concurrency>\n');
  process.exit(2);
}
const n = Number(nArg);
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
let firstStartMs: number | undefined;
let cpuAtFirst: NodeJS.CpuUsage | undefined;
let done = 0;
const worker = new Worker(
  queue,
  async () => {
    firstStartMs ??= Date.now();
    cpuAtFirst ??= process.cpuUsage();
  },
  { connection, prefix, concurrency: Number(concurrencyArg) },
);
worker.on('error', (error) => process.stderr.write(`noop worker error: ${error.message}\n`));
worker.on('completed', () => {
  done++;
  if (done !== n) return;
  const cpu = process.cpuUsage(cpuAtFirst);
  process.stdout.write(`${JSON.stringify({ firstStartMs, lastDoneMs: Date.now(), count: done, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  void worker.close().then(() => {
    connection.disconnect();
    process.exit(0);
  });
});
