import { createEmulator, type Emulator } from "../../emulator";
import {
  AcpClient,
  backoffDelay,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  shouldRetry,
} from "../../provider/client";

describe("backoffDelay", () => {
  it("grows exponentially with full jitter", () => {
    expect(backoffDelay(1, 100, 10_000, undefined, () => 0.999999)).toBe(99);
    expect(backoffDelay(2, 100, 10_000, undefined, () => 0.999999)).toBe(199);
    expect(backoffDelay(4, 100, 10_000, undefined, () => 0.5)).toBe(400);
    expect(backoffDelay(3, 100, 10_000, undefined, () => 0)).toBe(0);
  });

  it("stays within [0, min(cap, base*2^(n-1))) for random draws", () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const bound = Math.min(8000, 250 * 2 ** (attempt - 1));
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt, 250, 8000);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(bound);
      }
    }
  });

  it("is capped", () => {
    expect(backoffDelay(30, 250, 8000, undefined, () => 0.999999)).toBe(7999);
  });

  it("uses Retry-After first, capped at MAX_RETRY_AFTER_MS", () => {
    expect(backoffDelay(1, 250, 8000, 1500, () => 0)).toBe(1500);
    expect(backoffDelay(1, 250, 8000, 0, () => 0.9)).toBe(0);
    expect(backoffDelay(1, 250, 8000, 10 * 60_000)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds", () => {
    expect(parseRetryAfter("1")).toBe(1000);
    expect(parseRetryAfter(" 0 ")).toBe(0);
    expect(parseRetryAfter("1.5")).toBe(1500);
  });
  it("reads an HTTP date relative to now", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
  });
  it("caps and rejects garbage", () => {
    expect(parseRetryAfter("3600")).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter("-3")).toBeUndefined();
  });
});

describe("shouldRetry", () => {
  const base = { attempt: 1, maxRetries: 4, hasIdempotencyKey: false };
  it.each(["GET", "PATCH", "DELETE"])("retries %s on 429, 500, 502, 503, 504", (method) => {
    for (const status of [429, 500, 502, 503, 504]) {
      expect(shouldRetry({ ...base, method, status })).toBe(true);
    }
  });
  it("never retries 501 or 4xx other than 429", () => {
    for (const status of [400, 401, 402, 403, 404, 409, 422, 501, 301]) {
      expect(shouldRetry({ ...base, method: "GET", status })).toBe(false);
      expect(shouldRetry({ ...base, method: "POST", hasIdempotencyKey: true, status })).toBe(false);
    }
  });
  it("retries a POST on 5xx/429/reset/timeout only with an Idempotency-Key", () => {
    for (const outcome of [
      { status: 503 },
      { status: 429 },
      { networkCode: "ECONNRESET" },
      { networkCode: "UND_ERR_SOCKET" },
      { networkCode: "timeout" },
    ]) {
      expect(shouldRetry({ ...base, method: "POST", ...outcome })).toBe(false);
      expect(shouldRetry({ ...base, method: "POST", hasIdempotencyKey: true, ...outcome })).toBe(
        true,
      );
    }
  });
  it("retries even an un-keyed POST when the connection was refused", () => {
    expect(shouldRetry({ ...base, method: "POST", networkCode: "ECONNREFUSED" })).toBe(true);
  });
  it("retries idempotent methods on connection errors and timeouts", () => {
    for (const networkCode of [
      "ECONNRESET",
      "UND_ERR_SOCKET",
      "UND_ERR_CLOSED",
      "EPIPE",
      "timeout",
    ]) {
      expect(shouldRetry({ ...base, method: "GET", networkCode })).toBe(true);
      expect(shouldRetry({ ...base, method: "DELETE", networkCode })).toBe(true);
    }
  });
  it("does not retry unknown failures", () => {
    expect(shouldRetry({ ...base, method: "GET", networkCode: "UNKNOWN" })).toBe(false);
  });
  it("stops when retries are spent", () => {
    expect(shouldRetry({ ...base, method: "GET", status: 503, attempt: 4 })).toBe(true);
    expect(shouldRetry({ ...base, method: "GET", status: 503, attempt: 5 })).toBe(false);
    expect(shouldRetry({ ...base, method: "GET", status: 503, maxRetries: 0 })).toBe(false);
  });
});

const TOKEN = "ambiguous-retry-token";

describe("onAmbiguousRetry", () => {
  let emulator: Emulator;
  let client: AcpClient;
  beforeAll(async () => {
    emulator = createEmulator({ token: TOKEN });
    client = new AcpClient({
      baseUrl: await emulator.listen(0),
      token: TOKEN,
      maxRetries: 2,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 2,
    });
  });
  afterAll(async () => {
    await client.close();
    await emulator.close();
  });
  afterEach(() => emulator.setFaults(undefined));

  it("is asked before each retry of an attempt the API may have acted on", async () => {
    emulator.setFaults({ dropResponseRate: 1, routes: ["/v1/tasks"], methods: ["POST"] });
    const seen: string[] = [];
    await expect(
      client.tasks.create(
        { title: "t" },
        { onAmbiguousRetry: async (failure) => void seen.push(failure.name) },
      ),
    ).rejects.toThrow(/attempt 3\/3/);
    expect(seen).toEqual(["AcpConnectionError", "AcpConnectionError"]);
    emulator.setFaults({ errorRate: 1, errorStatus: 502, routes: ["/v1/tasks"] });
    seen.length = 0;
    await expect(
      client.tasks.create({ title: "t" }, { onAmbiguousRetry: async () => void seen.push("5xx") }),
    ).rejects.toThrow();
    expect(seen).toEqual(["5xx", "5xx"]);
  });

  it("is not asked when the answer proves nothing was done (429), and stops the call by throwing", async () => {
    emulator.setFaults({ rateLimitRate: 1, retryAfterSeconds: 0, routes: ["/v1/tasks"] });
    let asked = 0;
    await expect(
      client.tasks.create({ title: "t" }, { onAmbiguousRetry: async () => void asked++ }),
    ).rejects.toThrow();
    expect(asked).toBe(0);
    emulator.setFaults({ errorRate: 1, errorStatus: 503, routes: ["/v1/tasks"] });
    emulator.resetStats();
    await expect(
      client.tasks.create(
        { title: "t" },
        {
          onAmbiguousRetry: async () => {
            throw new Error("found it");
          },
        },
      ),
    ).rejects.toThrow("found it");
    // The retry was not sent.
    expect(emulator.stats().requests["POST /v1/tasks"]).toEqual({ "503": 1 });
  });
});
