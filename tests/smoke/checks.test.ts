import { describe, expect, it } from "vitest";
import { judgeEgressIp, judgeProxyEnv, parseList, selectAppPod, selectDeployments, type Deployment, type List, type Pod } from "../../src/smoke/checks";
import { deployment, pod, PROXY_ENV } from "./cluster";

const ok = (stdout: string) => ({ code: 0, stdout, stderr: "" });

describe("smoke check logic", () => {
  it("accepts lower-case proxy variables but not empty ones, and flags envFrom it cannot see", () => {
    const lower = Object.fromEntries(Object.entries(PROXY_ENV).map(([k, v]) => [k.toLowerCase(), v]));
    expect(judgeProxyEnv([deployment("a", lower)]).ok).toBe(true);
    const empty = deployment("b", { ...PROXY_ENV, NO_PROXY: "" });
    (empty.spec.template.spec.containers[0] as { envFrom?: unknown[] }).envFrom = [{ configMapRef: { name: "proxy" } }];
    expect(judgeProxyEnv([empty])).toEqual({ name: "proxy-env", ok: false, detail: "b/b lacks NO_PROXY (envFrom not inspected)" });
    expect(judgeProxyEnv([]).ok).toBe(false);
  });

  it("picks a ready, not terminating pod of the first deployment that has one", () => {
    const deployments = [deployment("a", {}), deployment("b", {})] as Deployment[];
    const pods: List<Pod> = { items: [pod("a-1", { app: "a" }, { deleting: true }), pod("a-2", { app: "a" }, { phase: "Pending", ready: false }), pod("b-1", { app: "b" })] };
    expect(selectAppPod(deployments, pods)).toEqual({ deployment: "b", pod: "b-1", container: "b" });
    expect(selectAppPod(deployments, { items: [] })).toBeUndefined();
  });

  it("refuses named deployments that do not exist", () => {
    const listed = { items: [deployment("a", {})] as Deployment[] };
    expect(selectDeployments(listed, ["a", "x", "y"], [])).toBe("deployments not found: x, y");
    expect(selectDeployments(listed, [], ["a"])).toEqual([]);
  });

  it("compares IPs canonically and rejects answers that are not an IP", () => {
    expect(judgeEgressIp(ok("2001:DB8::0:1\n"), "2001:db8::1", "apps/p").ok).toBe(true);
    expect(judgeEgressIp(ok("<html>captive portal</html>"), "157.173.210.123", "apps/p")).toEqual({ name: "egress-ip", ok: false, detail: 'apps/p got "<html>captive", not an IP address' });
  });

  it("explains kubectl output it cannot use", () => {
    expect(parseList(ok("not json"))).toBe("kubectl output is not JSON");
    expect(parseList({ code: 1, stdout: "", stderr: 'Error from server (NotFound): namespaces "apps" not found\n' })).toBe('Error from server (NotFound): namespaces "apps" not found');
  });
});
