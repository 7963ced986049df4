/**
 * The sprint section's ratios and table: the done-when ratios are computed from the right rows
 * (the Sprint and the floor at N = 500 / 0 ms, the Sprint at 5,000 against ten times 500), and
 * a figure the run did not measure shows as a dash, never as a number.
 */
import { sprintKey, sprintRatios, sprintTable } from "../../bench/sprint-section";

const fig = (median: number, apiCalls?: number) => ({
  seconds: { median, samples: [median] },
  apiCalls,
});

describe("sprint section", () => {
  const results = {
    [sprintKey("up", 500, 0)]: fig(4, 500),
    [sprintKey("preview", 500, 0)]: fig(2, 0),
    [sprintKey("destroy", 500, 0)]: fig(3, 500),
    [sprintKey("up", 5000, 0)]: fig(30, 5000),
    [sprintKey("up", 500, 50)]: fig(8, 500),
    "up/floor/n500/0ms": fig(80),
    "destroy/floor/n500/0ms": fig(60),
    "up/acp/n500/0ms": fig(50),
  };

  it("divides the Sprint's figures by the floor's and by ten times the base size's", () => {
    const r = sprintRatios(results, [0, 50]);
    expect(r.upOverFloorUp).toBeCloseTo(4 / 80);
    expect(r.destroyOverFloorDestroy).toBeCloseTo(3 / 60);
    expect(r.growth["0ms"]).toBeCloseTo(30 / 40);
    // No 5,000-task row at 50 ms: no ratio.
    expect(r.growth["50ms"]).toBeUndefined();
  });

  it("tabulates the rows measured, the per-task designs the run has, and the ratios", () => {
    const md = sprintTable(results, [500, 5000], [0, 50], { "n500/0ms": 461.6 }).join("\n");
    expect(md).toContain(
      "| 500 | 0 ms | 4.00 | 2.00 | – | – | 3.00 | 500 / 0 / – / – / 500 | 462 |",
    );
    expect(md).not.toContain("| 5000 | 50 ms |");
    expect(md).toContain("| engine floor | 80.00 | – | 60.00 |");
    expect(md).toContain("| dynamic provider | 50.00 | – | – |");
    // The plugin was not measured in this run: no row for it.
    expect(md).not.toContain("| plugin, one resource per task |");
    expect(md).toContain("| Sprint up / floor up (N = 500, 0 ms) | 0.050 | ≤ 0.1 |");
    expect(md).toContain("| Sprint up at 5000 / (10 × up at 500), 50 ms | – | ≤ 1 |");
  });
});
