import * as fs from "node:fs";
import * as path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Test file order of mutation runs (vitest.mutate.config.mts): quickest files first, by the
 * durations vitest recorded, unknown ones by size. Stryker stops at a mutant's first failing
 * test, so a mutant the unit tests kill never waits for the fault-injection suites, which
 * vitest's default order (longest first) runs first.
 */
export default class FastestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cost = (spec: TestSpecification) => {
      const key = `${spec.project.name}:${path.relative(this.ctx.config.root, spec.moduleId)}`;
      return this.ctx.cache.getFileTestResults(key)?.duration ?? fs.statSync(spec.moduleId).size;
    };
    const costs = new Map(files.map((spec) => [spec, cost(spec)]));
    return [...files].sort((a, b) => costs.get(a)! - costs.get(b)!);
  }
}
