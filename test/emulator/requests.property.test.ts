/**
 * Properties of the emulator's request handling: for every route, any JSON body (and any text
 * at all), any path parameter and any Idempotency-Key, the emulator answers with a
 * status below 500 and, for an error, a JSON `{error, message}` body — never a crash.
 */
import { it } from "@fast-check/jest";
import { ROUTES, type RouteName } from "../../provider/client/schemas";
import { fc } from "../property/settings";
import { createTask, TOKEN, useEmulator } from "./helpers";

const h = useEmulator();

/** A path parameter: an id of a task that exists, or any text (encoded). */
const param = (existing: () => string) =>
  fc.oneof(
    fc.constant(null).map(() => existing()),
    fc.string({ maxLength: 40 }),
  );

const ROUTE_NAMES = Object.keys(ROUTES) as RouteName[];

/** The answer to one request, checked. */
async function expectHandled(method: string, path: string, body: string | undefined, key?: string) {
  const response = await fetch(h.url + path, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(key === undefined ? {} : { "idempotency-key": key }),
    },
    body,
  });
  const text = await response.text();
  expect(response.status).toBeLessThan(500);
  if (response.status >= 400) {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    expect(typeof parsed.error).toBe("string");
    expect(typeof parsed.message).toBe("string");
  }
}

describe("the emulator's request parsing", () => {
  let taskId = "task_none";
  beforeEach(async () => {
    taskId = (await createTask(h)).id as string;
  });

  it.prop([
    fc.constantFrom(...ROUTE_NAMES),
    fc.jsonValue({ maxDepth: 5 }),
    fc.option(fc.string({ minLength: 1, maxLength: 300 }), { nil: undefined }),
    param(() => taskId),
  ])("answers any JSON body on any route below 500", async (route, body, key, id) => {
    const { method, path } = ROUTES[route];
    const filled = path.replace(/:(\w+)/g, () => encodeURIComponent(id));
    await expectHandled(
      method,
      filled,
      method === "GET" || method === "DELETE" ? undefined : JSON.stringify(body),
      key,
    );
  });

  it.prop([
    fc.constantFrom(...ROUTE_NAMES.filter((r) => ["POST", "PATCH"].includes(ROUTES[r].method))),
    fc.string({ maxLength: 500 }),
  ])("answers any text as a body below 500", async (route, text) => {
    const { method, path } = ROUTES[route];
    await expectHandled(
      method,
      path.replace(/:(\w+)/g, () => taskId),
      text,
    );
  });

  it.prop([
    fc.dictionary(
      fc.constantFrom("projectId", "sprintId", "status", "limit", "cursor", "x"),
      fc.string({ maxLength: 30 }),
    ),
  ])("answers any list query below 500", async (query) => {
    await expectHandled("GET", `/v1/tasks?${new URLSearchParams(query).toString()}`, undefined);
  });
});
