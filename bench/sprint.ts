/**
 * Figures of the Sprint at N tasks (default 500) and 0 ms emulator latency: one up, a no-op
 * preview (seconds and API calls), a 10% edit, a refresh, destroy, and the stored state's bytes
 * per task, with the machine's load average. A script that reports, never a test:
 * `npx ts-node --transpile-only bench/sprint.ts [N] [latencyMs]`. `npm run bench` runs the same
 * lifecycle in its sprint section (./sprint-section.ts).
 */
import * as os from "node:os";
import { ensurePulumi, localPulumiCommand } from "../provider/cli/engine";
import { startEmulator } from "./emulator-process";
import { timed } from "./engine";
import { buildGraph } from "./graph";
import { sprintLifecycle } from "./sprint-section";

const TOKEN = "bench-sprint-token";

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 500);
  const latencyMs = Number(process.argv[3] ?? 0);
  const binDir = await ensurePulumi();
  const emulator = await startEmulator(TOKEN, latencyMs);
  const figures: Record<string, unknown> = { n, latencyMs, loadBefore: os.loadavg() };
  try {
    const { stateBytesPerTask } = await sprintLifecycle({
      emu: emulator,
      graph: buildGraph(n),
      token: TOKEN,
      pulumiCommand: await localPulumiCommand(binDir),
      full: true,
      measure: async (op, run) => {
        await emulator.resetStats();
        const { seconds } = await timed(run);
        figures[op] = {
          seconds: Number(seconds.toFixed(2)),
          apiCalls: (await emulator.stats()).totalRequests,
        };
      },
    });
    figures.stateBytesPerTask = Math.round(stateBytesPerTask);
    figures.loadAfter = os.loadavg();
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await emulator.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
