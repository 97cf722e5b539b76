import type * as ipaddrTypes from "ipaddr.js";

/** The parts of `kubectl get -o json` output the checks read. */
interface Container {
  name: string;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  envFrom?: unknown[];
}
export interface Pod {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}
export interface Deployment {
  metadata: { name: string };
  spec: { selector?: { matchLabels?: Record<string, string> }; template: { spec: { containers: Container[] } } };
}
export interface List<T> {
  items: T[];
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** What a `kubectl` run returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const PROXY_VARS = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"] as const;

const pass = (name: string, detail: string): CheckResult => ({ name, ok: true, detail });
const fail = (name: string, detail: string): CheckResult => ({ name, ok: false, detail });

/** Parses `kubectl get -o json` output, or says why it can't (kubectl's own error first). */
export function parseList<T>(run: RunResult): List<T> | string {
  if (run.code !== 0) return firstLine(run.stderr) || `kubectl exited with ${run.code}`;
  try {
    const list = JSON.parse(run.stdout) as List<T>;
    return Array.isArray(list?.items) ? list : "kubectl output has no items";
  } catch {
    return "kubectl output is not JSON";
  }
}

export function isPodReady(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && pod.status?.phase === "Running" && (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

export function judgeGateway(pods: List<Pod> | string, where: string): CheckResult {
  const name = "gateway-ready";
  if (typeof pods === "string") return fail(name, `cannot list gateway pods: ${pods}`);
  const ready = pods.items.filter(isPodReady);
  if (pods.items.length === 0) return fail(name, `no pods match ${where}`);
  const names = pods.items.map((p) => p.metadata.name).join(", ");
  return ready.length > 0 ? pass(name, `${ready.length}/${pods.items.length} ready (${where}: ${names})`) : fail(name, `0/${pods.items.length} ready (${where}: ${names})`);
}

/** Every container of every checked deployment must set the proxy variables (either case). */
export function judgeProxyEnv(deployments: Deployment[]): CheckResult {
  const name = "proxy-env";
  if (deployments.length === 0) return fail(name, "no deployments to check");
  const problems: string[] = [];
  for (const d of deployments) {
    for (const c of d.spec.template.spec.containers) {
      const present = new Set((c.env ?? []).filter((e) => e.value !== "" || e.valueFrom !== undefined).map((e) => e.name.toUpperCase()));
      const missing = PROXY_VARS.filter((v) => !present.has(v));
      if (missing.length > 0) problems.push(`${d.metadata.name}/${c.name} lacks ${missing.join(", ")}${c.envFrom?.length ? " (envFrom not inspected)" : ""}`);
    }
  }
  const names = deployments.map((d) => d.metadata.name).join(", ");
  return problems.length === 0 ? pass(name, `${PROXY_VARS.join(", ")} set on ${names}`) : fail(name, problems.join("; "));
}

/** The deployments to check: the named ones (all must exist), or every one except the excluded. */
export function selectDeployments(list: List<Deployment>, named: string[], exclude: string[]): Deployment[] | string {
  if (named.length === 0) return list.items.filter((d) => !exclude.includes(d.metadata.name));
  const missing = named.filter((n) => !list.items.some((d) => d.metadata.name === n));
  if (missing.length > 0) return `deployment${missing.length > 1 ? "s" : ""} not found: ${missing.join(", ")}`;
  return named.map((n) => list.items.find((d) => d.metadata.name === n)!);
}

export interface AppPod {
  deployment: string;
  pod: string;
  container: string;
}

/** First deployment (in the given order) with a ready pod matching its selector: where the in-pod probes run. */
export function selectAppPod(deployments: Deployment[], pods: List<Pod>): AppPod | undefined {
  for (const d of deployments) {
    const selector = Object.entries(d.spec.selector?.matchLabels ?? {});
    if (selector.length === 0) continue;
    const pod = pods.items.find((p) => isPodReady(p) && selector.every(([k, v]) => p.metadata.labels?.[k] === v));
    if (pod) return { deployment: d.metadata.name, pod: pod.metadata.name, container: d.spec.template.spec.containers[0].name };
  }
  return undefined;
}

/** TCP connect from the app pod; `nc` as in the runbook, python3 where the image has no nc. */
export const TCP_PROBE = [
  'if command -v nc >/dev/null 2>&1; then exec nc -zvw5 "$1" "$2"; fi',
  `if command -v python3 >/dev/null 2>&1; then exec python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 5); print("connected to", sys.argv[1], sys.argv[2])' "$1" "$2"; fi`,
  'echo "neither nc nor python3 in the container" >&2; exit 127',
].join("\n");

/** HTTPS GET from the app pod through its proxy env; curl as in the runbook, else wget or python3. */
export const HTTP_PROBE = [
  'if command -v curl >/dev/null 2>&1; then exec curl -fsS --max-time 10 "$1"; fi',
  'if command -v wget >/dev/null 2>&1; then exec wget -qO- -T 10 "$1"; fi',
  `if command -v python3 >/dev/null 2>&1; then exec python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$1"; fi`,
  'echo "none of curl, wget, python3 in the container" >&2; exit 127',
].join("\n");

export function judgeDbProxy(run: RunResult, target: string, from: string): CheckResult {
  const name = "db-proxy";
  return run.code === 0 ? pass(name, `${target} reachable from ${from}`) : fail(name, `${target} not reachable from ${from}: ${firstLine(run.stderr) || firstLine(run.stdout) || `exit ${run.code}`}`);
}

export function judgeEgressIp(run: RunResult, expected: string, from: string): CheckResult {
  const name = "egress-ip";
  if (run.code !== 0) return fail(name, `no answer from the IP echo service in ${from}: ${firstLine(run.stderr) || `exit ${run.code}`}`);
  const seen = run.stdout.trim().split(/\s+/)[0] ?? "";
  const [a, b] = [canonicalIp(seen), canonicalIp(expected)];
  if (a === undefined) return fail(name, `${from} got ${JSON.stringify(seen.slice(0, 80))}, not an IP address`);
  return a === b ? pass(name, `${from} leaves as ${a}`) : fail(name, `${from} leaves as ${a}, expected ${b ?? expected}: egress bypasses the gateway`);
}

/** squid logs the CONNECT of the probe (`CONNECT host:443`) when the gateway carried it. */
export function judgeGatewayLog(run: RunResult, host: string): CheckResult {
  const name = "gateway-log";
  if (run.code !== 0) return fail(name, `cannot read gateway logs: ${firstLine(run.stderr) || `exit ${run.code}`}`);
  const needle = `CONNECT ${host}:`;
  return run.stdout.includes(needle) ? pass(name, `gateway logged ${needle}443`) : fail(name, `no "${needle}" in recent gateway logs: the probe did not go through the gateway`);
}

export function formatReport(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const failed = results.filter((r) => !r.ok).length;
  const lines = results.map((r) => `${r.ok ? "PASS" : "FAIL"} ${r.name.padEnd(width)}  ${r.detail}`);
  return `${[...lines, `${results.length - failed} passed, ${failed} failed`].join("\n")}\n`;
}

export function canonicalIp(text: string): string | undefined {
  const ipaddr = require("ipaddr.js") as typeof ipaddrTypes;
  if (!ipaddr.IPv4.isValidFourPartDecimal(text) && !ipaddr.IPv6.isValid(text)) return undefined;
  return ipaddr.process(text).toString();
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
