/**
 * The AgentRun's field-policy table: every property of an `acp:AgentRun`, once (see
 * ../fields.ts). A run is made by `POST /v1/servers/{serverId}/runs` and read back by
 * `GET /v1/servers/{serverId}/runs/{runId}`; the API cannot change or delete a run, so every
 * input the API takes replaces it (runs it again), and the provider's own settings change in the
 * state only.
 */
import { z } from "zod";
import { RunEvent } from "../../client/schemas";
import { fieldsWhere, type FieldTable } from "../fields";

/** Default wait for a run to end, in seconds. */
export const DEFAULT_RUN_WAIT_TIMEOUT_SECONDS = 600;
/** Default pause between two reads of a run that has not ended, in seconds. */
export const DEFAULT_RUN_POLL_INTERVAL_SECONDS = 2;
/** How many of a run's events the state keeps: the last ones. */
export const RUN_EVENTS_KEPT = 20;

/** Every property of an AgentRun, in registration order. */
export const RUN_FIELDS = {
  serverId: {
    input: true,
    source: "state",
    replaces: true,
    required: true,
    doc: "The agent runtime server that executes the run. Changing it runs the agent again (a new run).",
  },
  prompt: {
    input: true,
    source: "state",
    replaces: true,
    doc: "What the agent is asked to do. Set exactly one of prompt and content (the API's two names for the run's input). Changing it runs the agent again (a new run).",
  },
  content: {
    input: true,
    source: "state",
    replaces: true,
    doc: "The run's input under the API's other name: set exactly one of prompt and content. Changing it runs the agent again (a new run).",
  },
  title: {
    input: true,
    source: "api",
    echo: true,
    replaces: true,
    doc: "Title of the run. The API cannot change a run: changing the title REPLACES the run, so the agent runs again. Unset: the API's choice.",
  },
  mode: {
    input: true,
    source: "state",
    replaces: true,
    default: "sync",
    doc: "`sync` (default): the API answers when the run has ended. `async`: the API answers at once and the provider polls the run until it ends. Changing it runs the agent again (a new run).",
  },
  metadata: {
    input: true,
    source: "api",
    echo: true,
    replaces: true,
    compare: "deep",
    doc: "Free-form JSON metadata. The API cannot change a run: changing it REPLACES the run, so the agent runs again.",
  },
  waitTimeoutSeconds: {
    input: true,
    source: "state",
    default: DEFAULT_RUN_WAIT_TIMEOUT_SECONDS,
    doc: `How long up waits for the run to end, in seconds (0 or more). Default ${DEFAULT_RUN_WAIT_TIMEOUT_SECONDS}. A run still going then fails the update, is recorded, and the next up waits for it again instead of starting another. A provider setting: changing it runs nothing.`,
  },
  pollIntervalSeconds: {
    input: true,
    source: "state",
    default: DEFAULT_RUN_POLL_INTERVAL_SECONDS,
    doc: `Pause between two reads of a run that has not ended, in seconds (more than 0). Default ${DEFAULT_RUN_POLL_INTERVAL_SECONDS}. A provider setting: changing it runs nothing.`,
  },
  triggers: {
    input: true,
    source: "state",
    replaces: true,
    compare: "deep",
    doc: "Any JSON list: a change (compared deeply) runs the agent again (a new run), e.g. [release] to run once per release. Kept in the state only.",
  },
  status: {
    present: true,
    input: false,
    source: "api",
    doc: "The run's status: queued, running, completed, failed or cancelled.",
  },
  output: { input: false, source: "api", doc: "What the agent answered." },
  error: { input: false, source: "api", doc: "Why the run failed, when it did." },
  input: { input: false, source: "api", doc: "The run's input as the API received it." },
  threadId: { input: false, source: "api", doc: "The thread backing the run." },
  threadBacked: { input: false, source: "api", doc: "Whether a thread backs the run." },
  threadStatus: { input: false, source: "api", doc: "Status of the thread backing the run." },
  threadTitle: { input: false, source: "api", doc: "Title of the thread backing the run." },
  sessionProtocol: { input: false, source: "api", doc: "The runtime's session protocol." },
  createdAt: { input: false, source: "api", doc: "When the run was created (ISO 8601)." },
  completedAt: { input: false, source: "api", doc: "When the run ended (ISO 8601)." },
  events: {
    present: true,
    input: false,
    source: "api",
    type: z.array(RunEvent),
    doc: `The run's last ${RUN_EVENTS_KEPT} events (id, role, content, logType, logLevel, createdAt), oldest first: only the last ones, so that the state stays small.`,
  },
} as const satisfies FieldTable;

/** A property of an AgentRun. */
export type RunField = keyof typeof RUN_FIELDS;

/** AgentRun inputs, in registration order. */
export const RUN_INPUT_FIELDS = fieldsWhere(RUN_FIELDS, (p) => p.input) as RunField[];

/** Every output of an AgentRun: its inputs and the run's fields. */
export const RUN_OUTPUT_FIELDS = Object.keys(RUN_FIELDS) as RunField[];
