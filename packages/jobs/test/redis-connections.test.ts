/**
 * Which Redis connections pipeline the commands of one event-loop turn, on a private
 * redis-server. The API's producer does: a group commit of job rows adds its jobs in
 * one write. The workers' do not: ioredis runs one pipeline at a time per connection,
 * and a job's move would wait for the previous batch's round trip (measured: fewer jobs
 * per second, no steady CPU saving; see createWorkerConnection).
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
  it('when 200 commands are issued in one turn of the event loop, then none waits for a pipeline and each gets its own answer in order', async () => {
    const redis = createWorkerConnection(server.url);
    try {
      await waitForReady(redis, 5000);
      const key = `unpipelined-${Date.now()}`;
      const answers = Array.from({ length: 200 }, () => redis.incr(key));
      // Each command went to the socket as it was issued: none is held for the end of the turn.
      expect(redis.autoPipelineQueueSize).toBe(0);
      expect(await Promise.all(answers)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    } finally {
      await closeRedis(redis);
    }
  });

  it('when the worker connection reaches Redis through Sentinel, then it keeps the worker settings (retrying, not pipelined); the producer-side one fails fast', () => {
    const target = { sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'mymaster' };
    const worker = createSentinelConnection(target, 'redis://127.0.0.1:1', { worker: true, timeoutMs: 1000 });
    const producer = createSentinelConnection(target, 'redis://127.0.0.1:1', { worker: false, timeoutMs: 1000 });
    try {
      expect(worker.options.enableAutoPipelining).toBe(false);
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
