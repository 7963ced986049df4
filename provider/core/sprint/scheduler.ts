/**
 * How a Sprint runs its API calls: at most `concurrency` at once, each when the calls it waits
 * for have succeeded (a task is created once its dependencies have ids; a task is deleted once
 * the tasks that depend on it are gone). No Pulumi here: plain promises.
 */

/** One call to run, and the keys of the calls that must succeed first. */
export interface ScheduledCall {
  key: string;
  after: readonly string[];
}

/** What a schedule did: the calls that succeeded, failed (with why), or never ran. */
export interface ScheduleOutcome {
  done: Set<string>;
  failed: Map<string, Error>;
  /** Calls not run because one they wait for failed or never ran. */
  blocked: Set<string>;
}

/** Runs `fn` over `items`, at most `concurrency` at once; the errors, by index. */
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<Map<number, Error>> {
  const errors = new Map<number, Error>();
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i]);
      } catch (err) {
        errors.set(i, err instanceof Error ? err : new Error(String(err)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return errors;
}

/**
 * Runs every call once all of its `after` calls (among `calls`) have succeeded, at most
 * `concurrency` at once. A call waiting for one that failed is blocked, not run. Calls named
 * in `after` but absent from `calls` are taken as done.
 */
export async function inOrder(
  calls: readonly ScheduledCall[],
  concurrency: number,
  fn: (key: string) => Promise<void>,
): Promise<ScheduleOutcome> {
  const keys = new Set(calls.map((c) => c.key));
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const call of calls) {
    const after = [...new Set(call.after)].filter((a) => keys.has(a) && a !== call.key);
    waitingOn.set(call.key, after.length);
    for (const a of after) {
      const list = dependents.get(a) ?? [];
      list.push(call.key);
      dependents.set(a, list);
    }
  }
  const outcome: ScheduleOutcome = { done: new Set(), failed: new Map(), blocked: new Set() };
  const ready = calls.filter((c) => waitingOn.get(c.key) === 0).map((c) => c.key);
  let running = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (running < concurrency && ready.length > 0) {
        const key = ready.shift() as string;
        running++;
        fn(key).then(
          () => {
            outcome.done.add(key);
            for (const d of dependents.get(key) ?? []) {
              const left = (waitingOn.get(d) ?? 1) - 1;
              waitingOn.set(d, left);
              if (left === 0) ready.push(d);
            }
            running--;
            pump();
          },
          (err: unknown) => {
            outcome.failed.set(key, err instanceof Error ? err : new Error(String(err)));
            running--;
            pump();
          },
        );
      }
      if (running === 0 && ready.length === 0) resolve();
    };
    pump();
  });
  for (const key of keys) {
    if (!outcome.done.has(key) && !outcome.failed.has(key)) outcome.blocked.add(key);
  }
  return outcome;
}
