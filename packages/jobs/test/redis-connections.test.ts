/**
 * The worker's Redis connections pipeline the commands of one event-loop turn: a
 * group-committed batch's outcomes resolve together, and their BullMQ moves must share
 * one write. On a private redis-server: commands issued in one turn wait in the
 * connection's pipeline until the turn ends, and every one of them is answered, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '@vcq/testing';
import { closeRedis, createProducerConnection, createSentinelConnection, createWorkerConnection, waitForReady } from '../src/redis.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('the worker connection', () => {
  it('when 200 commands are issued in one turn of the event loop, then they wait in one pipeline and each gets its own answer in order', async () => {
    const redis = createWorkerConnection(server.url);
    try {
      await waitForReady(redis, 5000);
      const key = `pipelined-${Date.now()}`;
      const answers = Array.from({ length: 200 }, () => redis.incr(key));
      // Still this turn: nothing has been written yet, the commands are queued for one write.
      expect(redis.autoPipelineQueueSize).toBe(200);
      expect(await Promise.all(answers)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(redis.autoPipelineQueueSize).toBe(0);
    } finally {
      await closeRedis(redis);
    }
  });

  it('when the worker connection reaches Redis through Sentinel settings, then it pipelines too; the fail-fast producer-side Sentinel connection keeps its own settings', () => {
    const target = { sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'mymaster' };
    const worker = createSentinelConnection(target, 'redis://127.0.0.1:1', { worker: true, timeoutMs: 1000 });
    const producer = createSentinelConnection(target, 'redis://127.0.0.1:1', { worker: false, timeoutMs: 1000 });
    try {
      expect(worker.options.enableAutoPipelining).toBe(true);
      expect(worker.options.maxRetriesPerRequest).toBeNull();
      expect(producer.options.enableOfflineQueue).toBe(false);
    } finally {
      worker.disconnect();
      producer.disconnect();
    }
  });
});

describe('the producer connection', () => {
  it('when commands are issued in one turn, then they are pipelined as well (a group commit of job rows adds its jobs in one write)', async () => {
    const redis = createProducerConnection(server.url, 2000);
    try {
      await waitForReady(redis, 5000);
      const answers = [redis.ping(), redis.ping(), redis.ping()];
      expect(redis.autoPipelineQueueSize).toBe(3);
      expect(await Promise.all(answers)).toEqual(['PONG', 'PONG', 'PONG']);
    } finally {
      await closeRedis(redis);
    }
  });
});
