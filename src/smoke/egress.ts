import {
  formatReport,
  HTTP_PROBE,
  judgeDbProxy,
  judgeEgressIp,
  judgeGateway,
  judgeGatewayLog,
  judgeProxyEnv,
  parseList,
  selectAppPod,
  selectDeployments,
  TCP_PROBE,
  type AppPod,
  type CheckResult,
  type Deployment,
  type Pod,
  type RunResult,
} from "./checks";

export interface EgressSmokeOptions {
  namespace: string;
  gatewayNamespace: string;
  gatewaySelector: string;
  /** Deployments to check; empty = every Deployment in `namespace` except the db proxy. */
  deployments: string[];
  dbProxy: string;
  dbProxyPort: number;
  expectedIp: string;
  ipEchoUrl: string;
}

export type Kubectl = (args: string[]) => Promise<RunResult>;

/**
 * The runbook's egress checks, in order: gateway ready, proxy env on the apps, then from one
 * ready app pod: egress-db-proxy reachable, public IP equals the gateway's, and squid logged
 * that request. Returns the report and whether everything passed.
 */
export async function runEgressSmoke(options: EgressSmokeOptions, kubectl: Kubectl): Promise<{ ok: boolean; report: string }> {
  const results: CheckResult[] = [];
  const gatewayPods = parseList<Pod>(await kubectl(["get", "pods", "-n", options.gatewayNamespace, "-l", options.gatewaySelector, "-o", "json"]));
  results.push(judgeGateway(gatewayPods, `${options.gatewayNamespace} -l ${options.gatewaySelector}`));

  const listed = parseList<Deployment>(await kubectl(["get", "deployments", "-n", options.namespace, "-o", "json"]));
  const deployments = typeof listed === "string" ? `cannot list deployments in ${options.namespace}: ${listed}` : selectDeployments(listed, options.deployments, [options.dbProxy]);
  results.push(typeof deployments === "string" ? { name: "proxy-env", ok: false, detail: deployments } : judgeProxyEnv(deployments));

  const app = typeof deployments === "string" ? deployments : await findAppPod(deployments);
  if (typeof app === "string") {
    for (const name of ["db-proxy", "egress-ip", "gateway-log"]) results.push({ name, ok: false, detail: `not run: ${app}` });
  } else {
    const from = `${options.namespace}/${app.pod}`;
    const dbHost = `${options.dbProxy}.${options.namespace}.svc.cluster.local`;
    const exec = (script: string, ...args: string[]) => kubectl(["exec", "-n", options.namespace, app.pod, "-c", app.container, "--", "sh", "-c", script, "probe", ...args]);
    results.push(judgeDbProxy(await exec(TCP_PROBE, dbHost, String(options.dbProxyPort)), `${dbHost}:${options.dbProxyPort}`, from));
    results.push(judgeEgressIp(await exec(HTTP_PROBE, options.ipEchoUrl), options.expectedIp, from));
    const logs = await kubectl(["logs", "-n", options.gatewayNamespace, "-l", options.gatewaySelector, "--all-containers", "--since=5m", "--tail=5000"]);
    results.push(judgeGatewayLog(logs, new URL(options.ipEchoUrl).hostname));
  }
  return { ok: results.every((r) => r.ok), report: formatReport(results) };

  async function findAppPod(candidates: Deployment[]): Promise<AppPod | string> {
    const pods = parseList<Pod>(await kubectl(["get", "pods", "-n", options.namespace, "-o", "json"]));
    if (typeof pods === "string") return `cannot list pods in ${options.namespace}: ${pods}`;
    return selectAppPod(candidates, pods) ?? `no ready pod in ${options.namespace} for ${candidates.map((d) => d.metadata.name).join(", ") || "any deployment"}`;
  }
}
