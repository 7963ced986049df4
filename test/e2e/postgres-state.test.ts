/**
 * Pulumi state in PostgreSQL (`PULUMI_BACKEND_URL=postgres://…`, a DIY backend: one table of
 * objects) with a passphrase secrets provider, through each way the project is used: the
 * `pulumi-acp` command, a TypeScript program (Automation API) and the Pulumi YAML program. Each
 * goes through up, a no-op preview, an edit, refresh and destroy, asserted on the emulator's
 * store and on the table, which never holds the API token in clear.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { childEnv, runPulumiAcp } from "./child";
import { changesOf, E2E_TOKEN, e2eWorkDir, Harness } from "./harness";
import { rowsContaining, sharedBackend, storedObject, storedObjects } from "./postgres";
import { taskGraph } from "./programs";
import { YamlProject } from "./yaml-project";

jest.setTimeout(600_000);

const PASSPHRASE = "postgres-state-passphrase";

describe("state in PostgreSQL", () => {
  const shared = sharedBackend();
  /** The engine settings every front door gets: the shared backend and its passphrase. */
  const backend = () => ({
    PULUMI_BACKEND_URL: shared.pg.url,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
  });
  /** Whether the table holds the stack's checkpoint (`<project>/<stack>.json`). */
  const hasStack = (projectStack: string) =>
    storedObjects(shared.pg).some((o) => o.key.endsWith(`.pulumi/stacks/${projectStack}.json`));

  it("the pulumi-acp command: up, no-op preview, edit, refresh, destroy", async () => {
    const dir = e2eWorkDir("pg-cli-");
    const env = childEnv({
      ...backend(),
      ACP_API_TOKEN: E2E_TOKEN,
      PULUMI_HOME: path.join(dir, "home"),
    });
    const sprintFile = path.join(dir, "sprint.yaml");
    const sprint = [
      "name: pg",
      "tasks:",
      "  schema: { title: Design the schema }",
      "  migrate: { title: Migrate the data, dependsOn: [schema] }",
      "  release: { title: Release, dependsOn: [schema, migrate] }",
      "",
    ].join("\n");
    fs.writeFileSync(sprintFile, sprint);
    const cli = (...args: string[]) =>
      runPulumiAcp([...args, "sprint.yaml", "--base-url", shared.baseUrl], { cwd: dir, env });
    const tasks = () => shared.emulator.snapshot().tasks;
    try {
      const up = await cli("up", "--yes");
      expect(up.stderr).not.toContain("error");
      expect(up.stdout).toContain(`State: ${shared.pg.url}`);
      expect(up.stdout).toContain("Changes: create 5.");
      expect(
        tasks()
          .map((t) => t.title)
          .sort(),
      ).toEqual(["Design the schema", "Migrate the data", "Release"]);
      expect(hasStack("pulumi-acp-sprint/dev")).toBe(true);
      // Nothing of the command's state lives in the working directory.
      expect(fs.existsSync(path.join(dir, ".pulumi", "state"))).toBe(false);
      expect(rowsContaining(shared.pg, E2E_TOKEN)).toEqual([]);

      const preview = await cli("preview", "--expect-no-changes");
      expect(preview.code).toBe(0);

      fs.writeFileSync(sprintFile, sprint.replace("title: Release,", "title: Release 1.0,"));
      const edit = await cli("up", "--yes");
      expect(edit.code).toBe(0);
      expect(edit.stdout).toContain("Changes: update 1.");
      expect(tasks().map((t) => t.title)).toContain("Release 1.0");

      const refresh = await cli("refresh", "--expect-no-changes");
      expect(refresh.code).toBe(0);
      expect(rowsContaining(shared.pg, E2E_TOKEN)).toEqual([]);

      const destroy = await cli("destroy", "--yes");
      expect(destroy.code).toBe(0);
      expect(destroy.stdout).toContain("Changes: delete 5.");
      expect(tasks()).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a TypeScript program (Automation API): up, no-op preview, edit, refresh, destroy", async () => {
    const specs = {
      design: { title: "Design" },
      build: { title: "Build", dependsOn: ["design"] },
    };
    // The harness's own emulator; its token is a secret in the stack config.
    const h = await Harness.create({ program: taskGraph(specs), envVars: backend() });
    try {
      // The stack and two tasks.
      expect(changesOf((await h.up()).summary)).toEqual({ create: 3 });
      expect(h.emulator.snapshot().tasks).toHaveLength(2);
      expect(hasStack("acp-e2e/test")).toBe(true);
      expect(changesOf((await h.preview()).summary)).toEqual({});
      h.setProgram(taskGraph({ ...specs, build: { ...specs.build, title: "Build it" } }));
      expect(changesOf((await h.up()).summary)).toEqual({ update: 1 });
      expect(
        h.emulator
          .snapshot()
          .tasks.map((t) => t.title)
          .sort(),
      ).toEqual(["Build it", "Design"]);
      expect(changesOf((await h.refresh()).summary)).toEqual({});
      // The state records the token config as a ciphertext only.
      const stored = storedObject(shared.pg, ".pulumi/stacks/acp-e2e/test.json");
      expect(stored).toContain('"type":"passphrase"');
      expect(stored).toContain("pulumi-nodejs:dynamic/acp:Task");
      expect(rowsContaining(shared.pg, E2E_TOKEN)).toEqual([]);
      expect(changesOf((await h.destroy()).summary)).toEqual({ delete: 3 });
      expect(h.emulator.snapshot().tasks).toEqual([]);
    } finally {
      await h.cleanup();
    }
  });

  it("the Pulumi YAML program: up, no-op preview, edit, refresh, destroy", async () => {
    const project = new YamlProject(backend());
    const store = () => shared.emulator.snapshot();
    const before = store().tasks.length;
    try {
      await project.ok("stack", "init", "yaml");
      await project.ok("config", "set", "acp:baseUrl", shared.baseUrl);
      await project.ok("config", "set", "--secret", "acp:token", E2E_TOKEN);
      await project.ok("up", "--yes");
      // The sprint's three tasks, the release and the triage task.
      expect(store().tasks.length - before).toBe(5);
      expect(hasStack("yaml-sprint/yaml")).toBe(true);
      await project.ok("preview", "--expect-no-changes");
      project.edit((t) => t.replace("Cart, payment and receipt pages", "Cart and payment pages"));
      await project.ok("up", "--yes");
      expect(store().tasks.map((t) => t.description)).toContain("Cart and payment pages");
      await project.ok("refresh", "--yes", "--expect-no-changes");
      expect(rowsContaining(shared.pg, E2E_TOKEN)).toEqual([]);
      await project.ok("destroy", "--yes");
      expect(store().tasks).toHaveLength(before);
    } finally {
      project.cleanup();
    }
  });
});
