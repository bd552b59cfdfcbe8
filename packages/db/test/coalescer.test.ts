import { describe, expect, it } from 'vitest';
import { Coalescer, type Settled } from '../src/coalescer.js';

/** A run whose end the test decides, so what gathers during it is deterministic. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('Coalescer', () => {
  it('when many callers submit in the same turn, then one run answers them all, in order', async () => {
    const batches: number[][] = [];
    const c = new Coalescer<number, number>(async (items) => {
      batches.push(items);
      return items.map((n) => ({ ok: true, value: n * 2 }));
    }, { windowMs: 0, maxBatch: 100 });

    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => c.submit(i)));

    expect(answers).toEqual(Array.from({ length: 30 }, (_, i) => i * 2));
    expect(batches).toHaveLength(1);
    expect(c.runs).toBe(1);
  });

  it('when items arrive while a run is in flight, then they wait for it and go together right after', async () => {
    const batches: number[][] = [];
    const first = gate();
    const c = new Coalescer<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await first.opened;
      return items.map((n) => ({ ok: true, value: n }));
    }, { windowMs: 0, maxBatch: 100 });

    const a = c.submit(1);
    await new Promise((resolve) => setImmediate(resolve)); // the first run has started
    const rest = [c.submit(2), c.submit(3), c.submit(4)];
    expect(batches).toEqual([[1]]);
    first.open();

    expect(await Promise.all([a, ...rest])).toEqual([1, 2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('when maxInFlight is 2, then a second run starts while the first is held, and never a third', async () => {
    const held = gate();
    let running = 0;
    let most = 0;
    const c = new Coalescer<number, number>(async (items) => {
      running++;
      most = Math.max(most, running);
      await held.opened;
      running--;
      return items.map((n) => ({ ok: true, value: n }));
    }, { windowMs: 0, maxBatch: 2, maxInFlight: 2 });

    const all = Array.from({ length: 8 }, (_, i) => c.submit(i));
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toBe(2);
    held.open();

    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(2);
    expect(c.runs).toBe(4);
  });

  it('when more than maxBatch items wait, then runs take at most maxBatch each', async () => {
    const sizes: number[] = [];
    const c = new Coalescer<number, number>(async (items) => {
      sizes.push(items.length);
      return items.map((n) => ({ ok: true, value: n }));
    }, { windowMs: 0, maxBatch: 4 });

    await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit(i)));

    expect(sizes).toEqual([4, 4, 2]);
  });

  it('when run fails one item, then only that caller gets the error', async () => {
    const c = new Coalescer<number, number>(async (items) =>
      items.map((n): Settled<number> => (n === 2 ? { ok: false, error: new Error('two is bad') } : { ok: true, value: n })),
    { windowMs: 0, maxBatch: 10 });

    const results = await Promise.allSettled([c.submit(1), c.submit(2), c.submit(3)]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'two is bad' });
  });

  it('when run throws one item\'s bad data, then the batch is retried item by item and only that item fails', async () => {
    const sizes: number[] = [];
    const c = new Coalescer<number, number>(async (items) => {
      sizes.push(items.length);
      if (items.includes(2)) throw new Error('statement refused 2');
      return items.map((n) => ({ ok: true, value: n }));
    }, { windowMs: 0, maxBatch: 10 });

    const results = await Promise.allSettled([c.submit(1), c.submit(2), c.submit(3)]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(sizes).toEqual([3, 1, 1, 1]);
  });

  it('when run throws and isolating is off (the database is down), then every item of that batch gets the error and the next batch still runs', async () => {
    let calls = 0;
    const c = new Coalescer<number, number>(async (items) => {
      calls++;
      if (calls === 1) throw new Error('statement failed');
      return items.map((n) => ({ ok: true, value: n }));
    }, { windowMs: 0, maxBatch: 10, isolate: () => false });

    const failed = await Promise.allSettled([c.submit(1), c.submit(2)]);
    const later = await c.submit(3);

    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(later).toBe(3);
  });

  it('when a run finds the database unreachable, then the items waiting for the next run fail at once too, and later ones run', async () => {
    const held = gate();
    const unreachable = Object.assign(new Error('Query read timeout'), { name: 'Error' });
    let runs = 0;
    const c = new Coalescer<number, number>(async (items) => {
      runs++;
      if (runs === 1) {
        await held.opened;
        throw unreachable;
      }
      return items.map((n) => ({ ok: true, value: n }));
    }, { windowMs: 0, maxBatch: 100 });

    const first = c.submit(1);
    await new Promise((resolve) => setImmediate(resolve)); // the first run is in flight
    const waiting = [c.submit(2), c.submit(3)];
    held.open();
    const results = await Promise.allSettled([first, ...waiting]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(results.map((r) => (r as PromiseRejectedResult).reason)).toEqual([unreachable, unreachable, unreachable]);
    expect(runs).toBe(1);
    expect(await c.submit(4)).toBe(4);
  });

  it('when run answers too few items, then the unanswered callers get an error instead of waiting forever', async () => {
    const c = new Coalescer<number, number>(async () => [{ ok: true, value: 1 }], { windowMs: 0, maxBatch: 10 });

    const results = await Promise.allSettled([c.submit(1), c.submit(2)]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  });

  it('when a window is set, then a lone item waits for it, and flush() sends it at once', async () => {
    const c = new Coalescer<number, number>(async (items) => items.map((n) => ({ ok: true, value: n })), { windowMs: 60_000, maxBatch: 10 });
    let answered = false;
    const pending = c.submit(7).then((v) => {
      answered = true;
      return v;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    expect(c.size).toBe(1);

    await c.flush();

    expect(await pending).toBe(7);
    expect(c.size).toBe(0);
  });
});
