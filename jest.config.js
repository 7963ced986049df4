/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  // The end-to-end suites share one Pulumi engine build and a 2-core machine.
  maxWorkers: 2,
  testTimeout: 30000,
  globalSetup: "<rootDir>/test/global-setup.ts",
};
