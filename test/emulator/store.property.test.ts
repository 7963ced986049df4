/**
 * Property of the emulator's file store: for any sequence of changes, flushes, compactions
 * (a tiny journal bound) and kills (the store dropped without close, the files reopened), a
 * reopened store holds exactly what the live one held at its last flush.
 */
import { it } from "@fast-check/jest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createStore, type Store } from "../../emulator/store";
import { fc } from "../property/settings";

const IDS = ["task_a", "task_b", "task_c", "task_d"];
const KEYS = ["k1", "k2"];

const step = fc.oneof(
  fc.record({
    kind: fc.constant("putTask" as const),
    id: fc.constantFrom(...IDS),
    title: fc.string({ maxLength: 12 }),
  }),
  fc.record({ kind: fc.constant("deleteTask" as const), id: fc.constantFrom(...IDS) }),
  fc.record({ kind: fc.constant("putThread" as const), id: fc.constantFrom("thr_1", "thr_2") }),
  fc.record({ kind: fc.constant("deleteThread" as const), id: fc.constantFrom("thr_1", "thr_2") }),
  fc.record({ kind: fc.constant("putRun" as const), events: fc.nat({ max: 3 }) }),
  fc.record({ kind: fc.constant("idempotent" as const), key: fc.constantFrom(...KEYS) }),
  fc.record({
    kind: fc.constant("budget" as const),
    usd: fc.double({ min: 0, max: 100, noNaN: true }),
  }),
  fc.record({ kind: fc.constant("clear" as const) }),
  fc.record({ kind: fc.constant("flush" as const) }),
  fc.record({ kind: fc.constant("kill" as const) }),
  fc.record({ kind: fc.constant("close" as const) }),
);

function contents(store: Store) {
  return {
    budget: store.budget,
    tasks: store.listTasks(),
    threads: store.listThreads(),
    runs: store.listRuns(),
    idempotency: KEYS.map((k) => store.getIdempotent(k) ?? null),
  };
}

it.prop([fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 2048 })])(
  "a reopened store holds what was flushed, through kills and compactions",
  (steps, journalLimitBytes) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-store-prop-"));
    const dataFile = path.join(dir, "store.json");
    const open = () => createStore({ budget: 50, dataFile, journalLimitBytes });
    try {
      let store = open();
      let flushed = contents(store);
      let n = 0;
      for (const s of steps) {
        n++;
        switch (s.kind) {
          case "putTask":
            store.putTask({ id: s.id, title: s.title });
            break;
          case "deleteTask":
            store.deleteTask(s.id);
            break;
          case "putThread":
            store.putThread({ id: s.id, title: `thread ${n}` });
            break;
          case "deleteThread":
            store.deleteThread(s.id);
            break;
          case "putRun":
            store.putRun({
              serverId: "srv",
              run: { id: `run_${n % 3}`, status: "running" },
              events: Array.from({ length: s.events }, (_, i) => ({ id: `evt_${i}` })),
              cost: n / 100,
            });
            break;
          case "idempotent":
            store.putIdempotent(s.key, { fingerprint: `f${n}`, status: 201, body: { n } });
            break;
          case "budget":
            store.budget = s.usd;
            break;
          case "clear":
            store.clear(n);
            break;
          case "flush":
            store.flush();
            flushed = contents(store);
            break;
          case "kill":
            // What was not flushed is lost with the process, as it was never answered.
            store = open();
            expect(contents(store)).toEqual(flushed);
            break;
          case "close":
            store.close();
            flushed = contents(store);
            store = open();
            expect(contents(store)).toEqual(flushed);
            break;
        }
      }
      store.flush();
      expect(contents(open())).toEqual(contents(store));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
