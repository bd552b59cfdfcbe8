/**
 * JobPlatform.submitBatch's door, with a toy catalog and no queue: the whole batch is
 * checked before anything is written, every fault named by item index and field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDb, type Db, JobStore } from '@vcq/db';
import { type AppError, UnavailableError, ValidationError } from '@vcq/errors';
import { createLogger } from '@vcq/logger';
import { createTestDatabase } from '@vcq/testing';
import { type Catalog, exponential, Priority } from '../src/catalog.js';
import { JobPlatform } from '../src/platform.js';

const catalog = {
  item: {
    queue: 'toy-batch',
    name: 'item',
    schema: z.object({ n: z.number().int(), url: z.string().optional(), callbackUrl: z.string().optional(), batchId: z.string().optional(), organizationId: z.string().optional(), userId: z.string().optional() }),
    attempts: 1,
    retry: exponential(0),
    priority: Priority.NORMAL,
  },
} satisfies Catalog;

let db: Db;
let store: JobStore;
let drop: () => Promise<void>;
let platform: JobPlatform<typeof catalog>;

beforeAll(async () => {
  const database = await createTestDatabase('vcq_batch_door');
  drop = database.drop;
  db = createDb(database.url);
  store = new JobStore(db, { flushMs: 2, maxBatch: 100 });
  platform = new JobPlatform({
    catalog,
    store,
    queues: null,
    handlers: { item: async () => ({}) },
    logger: createLogger({ level: 'silent' }),
    fallbackMode: 'sync',
    // The egress policy stand-in: refuses one host, naming the field as the real check does.
    checkDestinations: async (data) => {
      for (const field of ['url', 'callbackUrl']) {
        const value = data[field];
        if (typeof value === 'string' && value.includes('refused.example')) throw new ValidationError('refused', [{ field, message: 'is refused' }]);
      }
    },
  });
});

afterAll(async () => {
  await store.close();
  await db.$disconnect();
  await drop();
});

const rows = async () => Number((await db.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM jobs`)[0]?.n);

describe('submitBatch', () => {
  it('when items are bad in several ways, then one 400 names each item’s index and field, and nothing is written', async () => {
    const error = await platform
      .submitBatch('item', [{ n: 1 }, { n: 'two' }, { n: 3, callbackUrl: 'https://hook.example' }, { n: 4, url: 'https://refused.example/x' }], { maxItems: 10, pollBase: '/p/' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    // The schema's and the batch's own faults first; the destinations are checked once the items are sound.
    expect((error as ValidationError).errors?.map((e) => e.field)).toEqual(['items.1.n', 'items.2.callbackUrl']);
    const refused = await platform.submitBatch('item', [{ n: 1 }, { n: 2, url: 'https://refused.example/x' }], { maxItems: 10, pollBase: '/p/' }).catch((e: unknown) => e);
    expect((refused as ValidationError).errors).toEqual([{ field: 'items.1.url', message: 'is refused' }]);
    const webhook = await platform.submitBatch('item', [{ n: 1 }], { maxItems: 10, pollBase: '/p/', callbackUrl: 'https://refused.example/hook', fieldOf: (i, f) => `${f}[${i}]` }).catch((e: unknown) => e);
    // The batch's own webhook keeps its own name.
    expect((webhook as ValidationError).errors).toEqual([{ field: 'callbackUrl', message: 'is refused' }]);
    expect(await rows()).toBe(0);
  });

  it('when a batch has more items than allowed, or none, then 400', async () => {
    const tooMany = await platform.submitBatch('item', [{ n: 1 }, { n: 2 }, { n: 3 }], { maxItems: 2, pollBase: '/p/' }).catch((e: unknown) => e);
    expect(tooMany).toMatchObject({ code: 'batch_too_large', status: 400 });
    expect((tooMany as AppError).message).toMatch(/at most 2/);
    await expect(platform.submitBatch('item', [], { maxItems: 2, pollBase: '/p/' })).rejects.toMatchObject({ status: 400, errors: [{ field: 'items' }] });
    expect(await rows()).toBe(0);
  });

  it('when the queue is unavailable, then a sound batch is refused with 503 (never run in the request), and nothing is written', async () => {
    await expect(platform.submitBatch('item', [{ n: 1 }, { n: 2 }], { maxItems: 5, pollBase: '/p/' })).rejects.toBeInstanceOf(UnavailableError);
    expect(await rows()).toBe(0);
  });
});
