import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../harness/cli";
import { deployment, fakeKubectlEnv, healthyCluster, list, PROXY_ENV, type Answer } from "./cluster";

const smoke = (args: string[], env: NodeJS.ProcessEnv) => runCli(["smoke", "egress", ...args], { env });

const EXPECTED = ["--expected-ip", "157.173.210.123"];

describe("oceanid smoke egress (fake kubectl on PATH)", () => {
  it("passes a healthy cluster, probing from the first deployment with a ready pod", async () => {
    const { env, calls } = fakeKubectlEnv(healthyCluster());
    const run = await smoke(EXPECTED, env);
    expect(run.stdout).toBe(
      [
        "PASS gateway-ready  1/1 ready (egress-system -l app=egress-gateway: egress-gateway-6b9c-x2k4p)",
        "PASS proxy-env      HTTP_PROXY, HTTPS_PROXY, NO_PROXY set on csv-ingestion-worker, label-studio-ls-app",
        "PASS db-proxy       egress-db-proxy.apps.svc.cluster.local:5432 reachable from apps/label-studio-ls-app-8c-q7w2e",
        "PASS egress-ip      apps/label-studio-ls-app-8c-q7w2e leaves as 157.173.210.123",
        "PASS gateway-log    gateway logged CONNECT ipinfo.io:443",
        "5 passed, 0 failed",
        "",
      ].join("\n"),
    );
    expect(run.status).toBe(0);
    expect(calls().map((c) => c.slice(0, 2).join(" "))).toEqual(["get pods", "get deployments", "get pods", "exec -n", "exec -n", "logs -n"]);
  });

  it("fails when the apps leave with another IP (egress bypasses the gateway)", async () => {
    const cluster = healthyCluster();
    cluster.httpProbe.stdout = "191.101.1.3\n";
    cluster.gatewayLogs.stdout = "";
    const run = await smoke(EXPECTED, fakeKubectlEnv(cluster).env);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("FAIL egress-ip      apps/label-studio-ls-app-8c-q7w2e leaves as 191.101.1.3, expected 157.173.210.123: egress bypasses the gateway");
    expect(run.stdout).toContain('FAIL gateway-log    no "CONNECT ipinfo.io:" in recent gateway logs');
    expect(run.stdout).toMatch(/3 passed, 2 failed\n$/);
  });

  it("names the deployment and container that lack proxy variables", async () => {
    const cluster = healthyCluster();
    const { NO_PROXY: _dropped, ...withoutNoProxy } = PROXY_ENV;
    cluster.deployments.stdout = list(deployment("csv-ingestion-worker", withoutNoProxy, "worker"), deployment("label-studio-ls-app", PROXY_ENV, "label-studio"));
    const run = await smoke(EXPECTED, fakeKubectlEnv(cluster).env);
    expect(run.stdout).toContain("FAIL proxy-env      csv-ingestion-worker/worker lacks NO_PROXY");
    expect(run.status).toBe(1);
  });

  it("fails the gateway check when its pod is not ready, and the db check when the proxy is unreachable", async () => {
    const cluster = healthyCluster();
    cluster.gatewayPods.stdout = cluster.gatewayPods.stdout!.replace('"status":"True"', '"status":"False"');
    Object.assign(cluster.tcpProbe, { stderr: "nc: egress-db-proxy.apps.svc.cluster.local (10.43.17.4:5432): Connection refused\n", code: 1 });
    const run = await smoke(EXPECTED, fakeKubectlEnv(cluster).env);
    expect(run.stdout).toContain("FAIL gateway-ready  0/1 ready (egress-system -l app=egress-gateway: egress-gateway-6b9c-x2k4p)");
    expect(run.stdout).toContain("FAIL db-proxy       egress-db-proxy.apps.svc.cluster.local:5432 not reachable from apps/label-studio-ls-app-8c-q7w2e: nc: egress-db-proxy.apps.svc.cluster.local (10.43.17.4:5432): Connection refused");
    expect(run.status).toBe(1);
  });

  it("reports kubectl's own error when kubectl fails", async () => {
    const run = await smoke(EXPECTED, fakeKubectlEnv(healthyCluster(), { FAKE_KUBECTL_FAIL: "^(get|exec|logs) " }).env);
    expect(run.stdout).toBe(
      [
        "FAIL gateway-ready  cannot list gateway pods: error: You must be logged in to the server (Unauthorized)",
        "FAIL proxy-env      cannot list deployments in apps: error: You must be logged in to the server (Unauthorized)",
        "FAIL db-proxy       not run: cannot list deployments in apps: error: You must be logged in to the server (Unauthorized)",
        "FAIL egress-ip      not run: cannot list deployments in apps: error: You must be logged in to the server (Unauthorized)",
        "FAIL gateway-log    not run: cannot list deployments in apps: error: You must be logged in to the server (Unauthorized)",
        "0 passed, 5 failed",
        "",
      ].join("\n"),
    );
    expect(run.status).toBe(1);
  });

  it("passes --context to every call and probes only the named deployment", async () => {
    const cluster: Record<string, Answer> = Object.fromEntries(
      Object.entries(healthyCluster()).map(([k, a]) => [k, { ...a, match: a.match.replace("^", "^--context prod ").replace(/label-studio-ls-app-8c-q7w2e -c label-studio/g, "csv-ingestion-worker-2-ready -c worker") }]),
    );
    cluster.appPods.stdout = cluster.appPods.stdout!.replace("csv-ingestion-worker-7f-old", "csv-ingestion-worker-2-ready").replace(/,"deletionTimestamp":"[^"]+"/, "");
    const { env, calls } = fakeKubectlEnv(cluster);
    const run = await smoke([...EXPECTED, "--context", "prod", "--deployment", "csv-ingestion-worker"], env);
    expect(run.stdout).toContain("PASS proxy-env      HTTP_PROXY, HTTPS_PROXY, NO_PROXY set on csv-ingestion-worker\n");
    expect(run.stdout).toContain("reachable from apps/csv-ingestion-worker-2-ready");
    expect(run.status).toBe(0);
    expect(calls().every((c) => c[0] === "--context" && c[1] === "prod")).toBe(true);
  });

  it("says so when no app pod is ready to probe from", async () => {
    const cluster = healthyCluster();
    cluster.appPods.stdout = list();
    const run = await smoke(EXPECTED, fakeKubectlEnv(cluster).env);
    expect(run.stdout).toContain("FAIL db-proxy       not run: no ready pod in apps for csv-ingestion-worker, label-studio-ls-app");
    expect(run.status).toBe(1);
  });

  it("fails every check clearly when kubectl is not on PATH", async () => {
    const run = await smoke(EXPECTED, { ...process.env, PATH: path.join(__dirname, "no-such-dir") });
    expect(run.stdout).toMatch(/^FAIL gateway-ready  cannot list gateway pods: kubectl not found on PATH\n/);
    expect(run.status).toBe(1);
  });

  it("requires --expected-ip", async () => {
    const { env, calls } = fakeKubectlEnv(healthyCluster());
    const run = await smoke([], env);
    expect(run).toMatchObject({ status: 1, stdout: "", stderr: "oceanid: --expected-ip <ip> is required: the public IP the CrunchyBridge firewall allows\n" });
    expect(calls()).toEqual([]);
  });
});
