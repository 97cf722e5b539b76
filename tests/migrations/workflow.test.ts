import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Step {
  run?: string;
  uses?: string;
}
interface Workflow {
  on: { pull_request: { paths: string[] }; push: { branches: string[]; paths: string[] }; workflow_dispatch: { inputs: Record<string, { default: unknown; type?: string }> } };
  jobs: Record<string, { if: string; "runs-on": string | string[]; steps: Step[] }>;
}

const workflow = parse(fs.readFileSync(path.resolve(__dirname, "../../.github/workflows/database-migrations.yml"), "utf8")) as Workflow;
const runs = (job: string) => workflow.jobs[job]!.steps.map((s) => s.run ?? "").join("\n");

describe("database-migrations workflow", () => {
  it("triggers on pushes to sql/**, manual runs with migration_version (default all) and dry_run, and pull requests", () => {
    expect(workflow.on.push).toEqual({ branches: ["main"], paths: ["sql/**"] });
    expect(workflow.on.pull_request.paths).toContain("sql/**");
    expect(workflow.on.workflow_dispatch.inputs.migration_version!.default).toBe("all");
    expect(workflow.on.workflow_dispatch.inputs.dry_run).toMatchObject({ type: "boolean", default: false });
  });

  it("checks pull requests offline and migrates from the self-hosted runner with the URL from ESC", () => {
    expect(workflow.jobs.verify).toMatchObject({ if: "github.event_name == 'pull_request'", "runs-on": "ubuntu-latest" });
    expect(runs("verify")).toContain("node bin/oceanid.cjs migrate --verify");
    expect(workflow.jobs.migrate).toMatchObject({ if: "github.event_name != 'pull_request'", "runs-on": ["self-hosted"] });
    const script = runs("migrate");
    expect(script).toContain("esc env get default/oceanid-cluster pulumiConfig.oceanid-cluster:cleandataDbUrl --value string --show-secrets");
    expect(script).toContain('echo "::add-mask::$DATABASE_URL"');
    expect(script).toMatch(/args\+=\(--target "\$MIGRATION_VERSION"\)/);
    expect(script).toMatch(/args\+=\(--dry-run\)/);
    expect(script).toContain('node bin/oceanid.cjs "${args[@]}"');
  });
});
