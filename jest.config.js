/**
 * Two projects: "unit" needs nothing but Node (the client, the emulator, the components, the
 * providers called directly: `npm run test:unit`, seconds); "e2e" drives the real Pulumi engine,
 * which its global setup ensures first (building it from Go modules on a fresh machine) and
 * whose absence fails the run. `npm test` runs both.
 * @type {import('jest').Config}
 */
const shared = {
  testEnvironment: "node",
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
};

/** Folders of the suites that run the engine. */
const ENGINE_SUITES = ["test/e2e", "test/reliability"];

module.exports = {
  // The end-to-end suites share one Pulumi engine build and a 2-core machine.
  maxWorkers: 2,
  // A global option in Jest 29 (projects do not take it); engine suites set their own.
  testTimeout: 30000,
  projects: [
    {
      ...shared,
      displayName: "unit",
      roots: ["<rootDir>/test"],
      testPathIgnorePatterns: ["/node_modules/", ...ENGINE_SUITES.map((d) => `<rootDir>/${d}/`)],
    },
    {
      ...shared,
      displayName: "e2e",
      roots: ENGINE_SUITES.map((d) => `<rootDir>/${d}`),
      globalSetup: "<rootDir>/test/global-setup.ts",
    },
  ],
};
