// Setup file of mutation runs only (vitest.mutate.config.mts). Stryker's vitest runner records
// code that runs while a test file's imports load (module-level constants, regex literals) as
// "static" coverage, belonging to no test, and turns a mutant on only in a beforeAll hook, after
// those imports. A mutant there is then either skipped (`ignoreStatic`) or, when some test also
// loads the module at run time (the provider tests do, through the engine's serialization), run
// against that test alone with the mutant never on when the module loads: it "survives" whatever
// the tests check. Here, code run while a file's imports load counts as covered by every test in
// that file, which depends on it, and the mutant is on before the imports, so those mutants are
// tested like any other.
import { afterAll, beforeEach, inject } from "vitest";

interface StrykerCoverage {
  static: Record<string, number>;
  perTest: Record<string, Record<string, number>>;
}
interface StrykerNamespace {
  activeMutant?: unknown;
  currentTestId?: string;
  mutantCoverage?: StrykerCoverage;
}

const provided = inject as unknown as (key: string) => unknown;
const namespaceKey = provided("globalNamespace");

// Outside Stryker (nothing provided) this file does nothing.
if (typeof namespaceKey === "string") {
  const globals = globalThis as unknown as Record<string, StrykerNamespace | undefined>;
  const namespace = (globals[namespaceKey] ??= {});
  if (provided("mode") === "mutant") {
    namespace.activeMutant = provided("activeMutant");
  } else {
    const testsInFile = new Set<string>();
    // Registered after Stryker's own beforeEach, which sets currentTestId.
    beforeEach(() => {
      if (namespace.currentTestId) testsInFile.add(namespace.currentTestId);
    });
    afterAll(() => {
      const coverage = namespace.mutantCoverage;
      if (!coverage) return;
      for (const testId of testsInFile) {
        const counts = (coverage.perTest[testId] ??= {});
        for (const [mutant, hits] of Object.entries(coverage.static)) counts[mutant] = (counts[mutant] ?? 0) + hits;
      }
      coverage.static = {};
    });
  }
}
