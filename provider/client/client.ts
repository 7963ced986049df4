import type { ClientOptions } from "./config";
import { AcpCore } from "./core";
import { Runs } from "./resources/runs";
import { Tasks } from "./resources/tasks";
import { Threads } from "./resources/threads";

/**
 * The typed ACP API client.
 *
 * ```ts
 * const acp = new AcpClient({ baseUrl: "https://api.example.com", token });
 * const task = await acp.tasks.create({ title: "Write the docs" });
 * await acp.close();
 * ```
 *
 * Options come from the constructor, then the environment (ACP_BASE_URL, ACP_API_TOKEN,
 * ACP_TIMEOUT_MS, ACP_MAX_RETRIES, ACP_ALLOW_INSECURE_HTTP), then defaults. The token is held
 * in a non-enumerable field and sent only in the Authorization header of each request.
 */
export class AcpClient extends AcpCore {
  /** `/v1/tasks`: create, retrieve, update, delete, list, start-thread, run-thread. */
  readonly tasks: Tasks;
  /** `/v1/threads`: create, retrieve, update, delete. */
  readonly threads: Threads;
  /** `/v1/servers/{serverId}/runs`: create, retrieve, wait for completion. */
  readonly runs: Runs;

  constructor(options: ClientOptions = {}) {
    super(options);
    this.tasks = new Tasks(this);
    this.threads = new Threads(this);
    this.runs = new Runs(this);
  }
}
