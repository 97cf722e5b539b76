// Mutation testing of the modules that guard production (issue 13). `npm run mutate`.
// Survivors judged equivalent are listed, with reasons, in docs/mutation-testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.mts", related: false },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: [
    "src/crunchyBridge/*.ts",
    // Registration only; under instrumentation Pulumi's closure serializer times out on it (see docs/mutation-testing.md).
    "!src/crunchyBridge/resource.ts",
    // CLI wiring, tested only through the real CLI in a child process, where Stryker sees no coverage.
    "!src/crunchyBridge/command.ts",
    "src/labelStudioStorage/{plan,prefix,reconcile,provider}.ts",
    "src/migrations/{plan,runner,redact,guard}.ts",
    "src/config.ts",
    "src/postgresUrl.ts",
    "src/redact.ts",
  ],
  coverageAnalysis: "perTest",
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 10_000,
  dryRunTimeoutMinutes: 15,
  // The goal is 85%; the measured score is 100% with 28 equivalents disabled in the source
  // (docs/mutation-testing.md). Break sits between, so new survivors in any number fail CI.
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ["clear-text", "progress-append-only", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  // A run re-tests only the mutants whose code or covering tests changed since the file was
  // written; `npm run mutate -- --force` re-tests everything.
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
