/**
 * The property-based suites' settings: one seed for every suite (FC_SEED, else a fixed one, so a
 * run is repeatable and CI is deterministic), a bounded number of runs and a time limit per
 * property. fast-check prints the seed and the shrunk counterexample of a failing property;
 * `FC_SEED=<seed> npx jest <suite>` replays it, `FC_RUNS` runs more cases.
 */
import { fc } from "@fast-check/jest";

/** The seed of this run. */
export const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261201;
/** Cases per property. */
export const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 300;

fc.configureGlobal({
  seed: SEED,
  numRuns: RUNS,
  // Bounded in time: a slow machine runs fewer cases, never a longer suite.
  interruptAfterTimeLimit: 20_000,
  markInterruptAsFailure: false,
});

export { fc };
