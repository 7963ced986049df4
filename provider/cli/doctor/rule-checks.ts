/** The checks of the conventions the provider assumes (routes.ts's headers, reasons and shapes). */
import { MAX_RETRY_AFTER_MS, RETRY_AFTER_HEADER } from "../../client";
import { CannotTell, type RuleCheck, CLOCK_TOLERANCE_MS, holds, differs } from "./kit";
import { ERROR_RULES } from "./error-rules";
import { REQUEST_RULES } from "./request-rules";

/** The checks of the conventions the provider assumes, in the order they run. */
export const RULE_CHECKS: readonly RuleCheck[] = [
  ...REQUEST_RULES,
  ...ERROR_RULES,
  {
    id: "retryAfter",
    check: `${RETRY_AFTER_HEADER} on 429`,
    source: "assumed",
    stage: "after",
    writes: false,
    whenDiffers:
      "without Retry-After the client backs off exponentially with jitter (250 ms doubling, up to 8 s)",
    fallback: true,
    run: async (ctx) => {
      const limited = ctx.session.exchanges.filter((e) => e.status === 429);
      if (limited.length === 0) {
        return {
          result: "skipped",
          evidence: "no 429 seen; the doctor makes no load to provoke one",
        };
      }
      const without = limited.filter(
        (e) => e.headers[RETRY_AFTER_HEADER.toLowerCase()] === undefined,
      );
      return without.length === 0
        ? holds(`${limited.length}× 429, each with ${RETRY_AFTER_HEADER}`)
        : differs(`${without.length} of ${limited.length}× 429 without ${RETRY_AFTER_HEADER}`);
    },
  },
  {
    id: "clock.skew",
    check: "the server's clock agrees with this machine's",
    source: "assumed",
    stage: "after",
    writes: false,
    whenDiffers: `pulumi-acp compares no server time with this clock; only a Retry-After given as a date is off by the skew (waits are capped at ${MAX_RETRY_AFTER_MS / 1000} s)`,
    fallback: true,
    run: async (ctx) => {
      const samples = [...ctx.clock];
      const dated = ctx.session.exchanges.find((e) =>
        Number.isFinite(Date.parse(e.headers.date ?? "")),
      );
      if (dated) {
        // The Date header has whole seconds: the server's time lies in [date, date + 1 s).
        const date = Date.parse(dated.headers.date as string);
        samples.push({
          sentAt: dated.receivedAt - dated.ms - 1000,
          receivedAt: dated.receivedAt,
          serverTime: date,
          what: "Date header",
        });
      }
      if (samples.length === 0) throw new CannotTell("no Date header and no timestamp to compare");
      // The server stamped the answer between sending and receiving it: the skew is what is
      // left outside that window.
      const skews = samples.map((s) => {
        const early = s.serverTime - s.sentAt;
        const late = s.serverTime - s.receivedAt;
        return { what: s.what, ms: early < 0 ? early : late > 0 ? late : 0 };
      });
      const worst = skews.reduce((a, b) => (Math.abs(b.ms) > Math.abs(a.ms) ? b : a));
      const text = `${worst.ms >= 0 ? "+" : ""}${(worst.ms / 1000).toFixed(1)} s (${skews.map((s) => s.what).join(", ")})`;
      return Math.abs(worst.ms) <= CLOCK_TOLERANCE_MS
        ? holds(text)
        : differs(`${text}; more than ${CLOCK_TOLERANCE_MS / 1000} s`);
    },
  },
];
