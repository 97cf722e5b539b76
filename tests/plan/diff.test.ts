import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, runCli } from "../harness/cli";

// `oceanid plan --diff-base` on a real git repository: a copy of this project committed in a
// temporary folder, then changed (one project storage added, the db proxy switched from the SSH
// tunnel to tcp-forward, a credential rotated), planned against HEAD and against a saved plan.

const temporary = fs.mkdtempSync(path.join(os.tmpdir(), "oceanid-diff-"));
afterAll(() => fs.rmSync(temporary, { recursive: true, force: true }));
const repo = path.join(temporary, "repo");
const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" });
const run = (args: string[]) => runCli(["plan", "--stack", "prod", ...args], { root: repo, env: { OCEANID_CLI_CACHE: path.join(temporary, "cache") } });

const OLD_TOKEN = "hf_EXAMPLEnotARealToken0";
const NEW_TOKEN = "hf_ROTATEDsecretTokenValue9";
let savedPlan: string;

beforeAll(async () => {
  fs.mkdirSync(repo);
  for (const entry of ["bin", "src", "sql", "esc", "index.ts", "Pulumi.yaml", "Pulumi.prod.yaml", "package.json", "tsconfig.json", "tsconfig.pulumi.json"]) {
    fs.cpSync(path.join(repoRoot, entry), path.join(repo, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(repo, "node_modules"), "dir");
  fs.writeFileSync(path.join(repo, ".gitignore"), "node_modules\n");
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "base");

  const saved = await run(["--json"]);
  expect(saved.status, saved.stderr).toBe(0);
  savedPlan = path.join(temporary, "base.json");
  fs.writeFileSync(savedPlan, saved.stdout);

  const env = path.join(repo, "esc", "default", "oceanid-cluster.yaml");
  const text = fs.readFileSync(env, "utf8");
  const changed = text
    .replace("labelStudio.projects: []", "labelStudio.projects: [7]")
    .replace("egress.dbProxy.mode: ssh-tunnel", "egress.dbProxy.mode: tcp-forward")
    .replace(OLD_TOKEN, NEW_TOKEN);
  expect(changed).not.toBe(text);
  fs.writeFileSync(env, changed);
}, 300_000);

describe("oceanid plan --diff-base", () => {
  let fromRef: string;

  it("against a git ref: what the change adds, removes and modifies, input by input", async () => {
    const result = await run(["--diff-base", "main"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    fromRef = result.stdout;
    const commit = git("rev-parse", "HEAD").trim().slice(0, 12);
    expect(fromRef).toMatch(new RegExp(`^Plan of prod against main \\(${commit}\\): 1 to add, 1 to remove, \\d+ to change, \\d+ unchanged\\n`));
    expect(fromRef).toContain("\n+ pulumi-nodejs:dynamic/labelstudio:ProjectStorage project-storage-7  (parent: oceanid-cluster-prod)\n");
    expect(fromRef).toContain("\n- kubernetes:core/v1:Secret egress-db-proxy-ssh  (parent: egress-db-proxy)\n");
    expect(fromRef).toContain("\n~ kubernetes:networking.k8s.io/v1:NetworkPolicy egress-db-proxy-policy\n    ~ spec.egress[0].ports[0].port: 22 → 5432\n");
    const deployment = fromRef.slice(fromRef.indexOf("\n~ kubernetes:apps/v1:Deployment egress-db-proxy\n"));
    expect(deployment).toMatch(/^\n~ kubernetes:apps\/v1:Deployment egress-db-proxy\n {4}~ spec\.template\.spec\.containers\[0\]\.command:\n {8}before:\n {10}- autossh\n/);
    expect(deployment).toMatch(/\n {8}after:\n {10}- socat\n/);
    expect(deployment).toMatch(/\n {4}~ spec\.template\.spec\.containers\[0\]\.image: "[^"]+" → "[^"]+"\n/);
    expect(deployment).toContain("\n    - spec.template.spec.volumes[0]:\n        name: ssh\n");
    // Resources the change does not touch are not listed.
    expect(fromRef).not.toContain("aws:s3/bucket:Bucket uploads");
    expect(git("status", "--porcelain")).toBe(" M esc/default/oceanid-cluster.yaml\n");
  });

  it("against a saved --json plan: the same diff", async () => {
    const result = await run(["--diff-base", savedPlan]);
    expect(result.status).toBe(0);
    const body = (text: string) => text.slice(text.indexOf("\n"));
    expect(body(result.stdout)).toBe(body(fromRef));
    expect(result.stdout).toMatch(/^Plan of prod against .*base\.json: 1 to add, 1 to remove/);
  });

  it("keeps secrets masked, old and new", () => {
    expect(fromRef).not.toContain(NEW_TOKEN);
    expect(fromRef).not.toContain(OLD_TOKEN);
    expect(fromRef).not.toContain("example-password");
  });

  it("fails with the base revision's own error when that revision cannot be planned", async () => {
    // A commit whose ESC environment holds an invalid mode, made without touching the worktree.
    const envFile = "esc/default/oceanid-cluster.yaml";
    const broken = git("show", `main:${envFile}`).replace("egress.dbProxy.mode: ssh-tunnel", "egress.dbProxy.mode: carrier-pigeon");
    const blob = execFileSync("git", ["-C", repo, "hash-object", "-w", "--stdin"], { input: broken, encoding: "utf8" }).trim();
    const index = { ...process.env, GIT_INDEX_FILE: path.join(temporary, "broken.index") };
    const plumbing = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { env: index, encoding: "utf8" }).trim();
    plumbing("read-tree", "main");
    plumbing("update-index", "--cacheinfo", `100644,${blob},${envFile}`);
    const commit = plumbing("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit-tree", plumbing("write-tree"), "-p", "main", "-m", "broken");
    git("branch", "broken", commit);
    const result = await run(["--diff-base", "broken"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^oceanid: --diff-base broken: the plan of ${commit.slice(0, 12)} failed \\(exit 1\\):\\n`));
    expect(result.stderr).toContain("egress.dbProxy.mode");
    expect(git("status", "--porcelain")).toBe(" M esc/default/oceanid-cluster.yaml\n");
  });

  it("refuses a plan saved with --show-secrets, and --show-secrets itself", async () => {
    const revealed = await run(["--json", "--show-secrets"]);
    const file = path.join(temporary, "revealed.json");
    fs.writeFileSync(file, revealed.stdout);
    const refused = await run(["--diff-base", file]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("saved with --show-secrets");
    expect(refused.stderr).not.toContain(NEW_TOKEN);
    const both = await run(["--diff-base", "main", "--show-secrets"]);
    expect(both).toMatchObject({ status: 1, stderr: "oceanid: --diff-base compares masked plans; drop --show-secrets\n" });
  });
});
