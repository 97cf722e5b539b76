// The test files that guard the modules Stryker mutates (stryker.config.mjs `mutate`).
// Narrow on purpose: every mutant is tried against the tests covering it, and CI has 2 cores.
// (mergeConfig would concatenate `include` with the base's; this replaces it.)
import { defineConfig } from "vitest/config";
import base from "./vitest.config.mts";
import FastestFirstSequencer from "./tests/harness/fastest-first-sequencer.ts";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    setupFiles: ["./tests/harness/mutant-active-at-load.ts"],
    sequence: { ...base.test?.sequence, sequencer: FastestFirstSequencer },
    include: [
      "tests/crunchyBridge/{allowlist,cidr,client,command,plan,provider,reconcile}.test.ts",
      "tests/labelStudioStorage/{plan,prefix,reconcile,provider,provisionListing}.test.ts",
      "tests/migrations/{plan,runner,connection,lock,control-table}.test.ts",
      "tests/config.test.ts",
      "tests/postgresUrl.test.ts",
      "tests/redact.test.ts",
    ],
  },
});
