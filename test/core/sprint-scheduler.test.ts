/** The Sprint's scheduler: bounded concurrency, dependencies first, dependents of a failure not run. */
import { inOrder, inPool } from "../../provider/core/sprint/scheduler";

/** A call that records how many calls run at once and the order they finish in. */
function tracker() {
  let running = 0;
  const seen = { maxRunning: 0, finished: [] as string[] };
  const call = async (key: string) => {
    running++;
    seen.maxRunning = Math.max(seen.maxRunning, running);
    await new Promise((resolve) => setImmediate(resolve));
    running--;
    if (key.startsWith("bad")) throw new Error(`${key} failed`);
    seen.finished.push(key);
  };
  return { seen, call };
}

describe("the Sprint's scheduler", () => {
  it("runs at most `concurrency` calls at once, each after the calls it waits for", async () => {
    const { seen, call } = tracker();
    const calls = Array.from({ length: 30 }, (_, i) => ({
      key: `k${i}`,
      after: i >= 5 ? [`k${i - 5}`, `k${i - 3}`] : [],
    }));
    const outcome = await inOrder(calls, 3, call);
    expect(outcome.done.size).toBe(30);
    expect(seen.maxRunning).toBeLessThanOrEqual(3);
    for (const { key, after } of calls) {
      for (const a of after) {
        expect(seen.finished.indexOf(a)).toBeLessThan(seen.finished.indexOf(key));
      }
    }
  });

  it("blocks the calls that wait for a failed one, and runs the rest", async () => {
    const { call } = tracker();
    const outcome = await inOrder(
      [
        { key: "bad", after: [] },
        { key: "child", after: ["bad"] },
        { key: "grandchild", after: ["child"] },
        { key: "free", after: [] },
      ],
      2,
      call,
    );
    expect([...outcome.done]).toEqual(["free"]);
    expect([...outcome.failed.keys()]).toEqual(["bad"]);
    expect([...outcome.blocked].sort()).toEqual(["child", "grandchild"]);
  });

  it("pools independent calls, keeping each error by index", async () => {
    const { seen, call } = tracker();
    const errors = await inPool(["a", "bad1", "b", "c", "d"], 2, call);
    expect(seen.maxRunning).toBeLessThanOrEqual(2);
    expect([...errors.keys()]).toEqual([1]);
    expect(seen.finished.sort()).toEqual(["a", "b", "c", "d"]);
  });
});
