/* eslint-disable @typescript-eslint/no-explicit-any -- tests read answer bodies loosely; the zod schemas check their shape where it matters */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { createEmulator, type Emulator, type EmulatorOptions } from "../../emulator";

/** A JSON answer body, read loosely. */
export type JsonBody = Record<string, any>;

export const TOKEN = "secret-token-for-tests";

/** A JSON answer from the emulator. */
export interface Answer<T = Record<string, any>> {
  status: number;
  headers: Headers;
  body: T;
}

/** A started emulator and a small client for it. */
export interface Harness {
  emulator: Emulator;
  url: string;
  call<T = Record<string, any>>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer<T>>;
}

/** Starts an emulator on a free port with the test token. */
export async function start(options: EmulatorOptions = {}): Promise<Harness> {
  const emulator = createEmulator({ token: TOKEN, ...options });
  const url = await emulator.listen();
  const call: Harness["call"] = async (method, path, body, headers = {}) => {
    const response = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === "" ? undefined : JSON.parse(text),
    } as Answer<any>;
  };
  return { emulator, url, call };
}

/**
 * Registers the hooks of a suite that shares one emulator: started before the suite, closed
 * after it, and reset before each test (store, agent, faults, stats). The returned harness is
 * filled in by the time the tests run.
 */
export function useEmulator(options: EmulatorOptions = {}): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    Object.assign(h, await start(options));
  });
  afterAll(() => h.emulator?.close());
  beforeEach(() => {
    h.emulator.reset();
    h.emulator.setAgent(undefined);
    h.emulator.setFaults(undefined);
    h.emulator.resetStats();
  });
  return h;
}

/** Creates a task and returns it. */
export async function createTask(
  h: Harness,
  fields: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  const answer = await h.call("POST", "/v1/tasks", { title: "a task", ...fields });
  if (answer.status !== 201)
    throw new Error(`create task: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.task;
}

/** An `acp-emulator` process run from the source, and its base URL once it listens. */
export interface CliEmulator {
  child: ChildProcess;
  url: string;
  /** Resolves to the exit code (null when a signal ended it: see `child.signalCode`). */
  exited: Promise<number | null>;
}

/** Starts `acp-emulator ARGS` (through ts-node) and waits for its "listening on" line. */
export async function startCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<CliEmulator> {
  const child = spawn(process.execPath, ["-r", "ts-node/register", "emulator/main.ts", ...args], {
    cwd: path.resolve(__dirname, "../.."),
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once("exit", () => reject(new Error(`exited early: ${out}`)));
  });
  return { child, url, exited };
}
