import { MicroBatcher, type Settled } from '../../src/pipeline/micro-batcher';

function recorder(windowMs: number, maxSize: number) {
  const batches: number[][] = [];
  const batcher = new MicroBatcher<number, number>({
    windowMs,
    maxSize,
    flush: (items) => {
      batches.push(items);
      return Promise.resolve(
        items.map((i): Settled<number> =>
          i < 0 ? { ok: false, error: new Error(`bad ${i}`) } : { ok: true, value: i * 10 },
        ),
      );
    },
  });
  return { batches, batcher };
}

describe('MicroBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('items arriving within the window go out as one batch after the window', async () => {
    const { batches, batcher } = recorder(25, 50);
    const a = batcher.add(1);
    jest.advanceTimersByTime(10);
    const b = batcher.add(2);
    jest.advanceTimersByTime(14);
    expect(batches).toEqual([]);
    jest.advanceTimersByTime(1);
    await expect(Promise.all([a, b])).resolves.toEqual([10, 20]);
    expect(batches).toEqual([[1, 2]]);
  });

  test('a full batch goes out at once, without waiting for the window', async () => {
    const { batches, batcher } = recorder(25, 3);
    const results = Promise.all([1, 2, 3, 4].map((i) => batcher.add(i)));
    expect(batches).toEqual([[1, 2, 3]]);
    jest.advanceTimersByTime(25);
    await expect(results).resolves.toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  test('each caller gets its own item’s result, errors included', async () => {
    const { batcher } = recorder(0, 10);
    const ok = batcher.add(5);
    const bad = batcher.add(-1);
    jest.advanceTimersByTime(0);
    await expect(ok).resolves.toBe(50);
    await expect(bad).rejects.toThrow('bad -1');
  });

  test('a flush that throws fails every item of its batch only', async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number, number>({
      windowMs: 5,
      maxSize: 2,
      flush: (items) => {
        calls += 1;
        return calls === 1
          ? Promise.reject(new Error('down'))
          : Promise.resolve(items.map((i) => ({ ok: true, value: i })));
      },
    });
    const first = [batcher.add(1), batcher.add(2)];
    const second = batcher.add(3);
    jest.advanceTimersByTime(5);
    await expect(first[0]).rejects.toThrow('down');
    await expect(first[1]).rejects.toThrow('down');
    await expect(second).resolves.toBe(3);
  });

  test('drain sends what waits and settles in-flight batches', async () => {
    jest.useRealTimers();
    const { batches, batcher } = recorder(10_000, 50);
    const p = batcher.add(7);
    await batcher.drain();
    await expect(p).resolves.toBe(70);
    expect(batches).toEqual([[7]]);
  });
});
