/**
 * Client alone: `count` task retrievals through AcpClient against a bare undici request loop,
 * both at the same concurrency. Run as a child process (one mode per process) so that each
 * mode's peak memory is its own: `client-bench.ts <client|bare> <baseUrl> <token> <count> <concurrency>`.
 * Prints one JSON line: { mode, seconds, cpuSeconds, peakRssMb, peakHeapMb }.
 */
import { Agent } from "undici";
import { AcpClient } from "pulumi-acp";

async function main(): Promise<void> {
  const [mode, baseUrl, token, countText, concurrencyText] = process.argv.slice(2);
  const count = Number(countText);
  const concurrency = Number(concurrencyText);
  let peakRss = 0;
  let peakHeap = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 20);

  const client = new AcpClient({
    baseUrl,
    token,
    allowInsecureHttp: true,
    connections: concurrency,
  });
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  const seed = await client.tasks.create({ title: "client benchmark task" });
  const retrieve =
    mode === "client"
      ? async () => {
          await client.tasks.retrieve(seed.id as string);
        }
      : async () => {
          const res = await agent.request({
            origin: baseUrl,
            path: `/v1/tasks/${encodeURIComponent(seed.id as string)}`,
            method: "GET",
            headers: { accept: "application/json", authorization: `Bearer ${token}` },
          });
          const body = (await res.body.json()) as { task?: { id?: string } };
          if (res.statusCode !== 200 || body.task?.id !== seed.id) {
            throw new Error(`bare retrieve: HTTP ${res.statusCode}`);
          }
        };
  // Warm-up: connections open and code paths compiled before the clock starts.
  await Promise.all(Array.from({ length: concurrency * 4 }, retrieve));
  sample();
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await retrieve();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  sample();
  clearInterval(sampler);
  await client.close();
  await agent.close();
  process.stdout.write(
    `${JSON.stringify({
      mode,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMb: peakRss / 2 ** 20,
      peakHeapMb: peakHeap / 2 ** 20,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`client-bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
