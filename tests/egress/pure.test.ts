import { describe, expect, it } from "vitest";
import { dbProxyContainer, sshKeyFile } from "../../src/egress/dbProxy";
import { appsEgressPolicy, dbProxyPolicy, gatewayPolicy } from "../../src/egress/networkPolicies";
import { proxyEnvironment } from "../../src/egress/proxyEnv";
import { squidConf } from "../../src/egress/squidConf";

describe("proxyEnvironment", () => {
  it("points both spellings at the gateway and keeps cluster traffic direct", () => {
    const env = proxyEnvironment({ gatewayHost: "gw.egress-system.svc.cluster.local", gatewayPort: 3128, podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" });
    expect(env.HTTPS_PROXY).toBe("http://gw.egress-system.svc.cluster.local:3128");
    expect(env.https_proxy).toBe(env.HTTPS_PROXY);
    expect(env.NO_PROXY.split(",")).toEqual(expect.arrayContaining(["localhost", "127.0.0.1", "::1", ".svc", ".cluster.local", "10.42.0.0/16", "10.43.0.0/16"]));
    expect(env.no_proxy).toBe(env.NO_PROXY);
  });
});

describe("squidConf", () => {
  const conf = squidConf({ port: 3128, clientCidrs: ["10.42.0.0/16", "10.43.0.0/16"], tlsPorts: [443] });
  const lines = conf.split("\n");

  it("serves only the cluster's CIDRs and denies everyone else last", () => {
    expect(lines).toContain("acl cluster_clients src 10.42.0.0/16");
    expect(lines).toContain("acl cluster_clients src 10.43.0.0/16");
    const access = lines.filter((l) => l.startsWith("http_access"));
    expect(access).toEqual(["http_access deny !safe_ports", "http_access deny CONNECT !tls_ports", "http_access allow cluster_clients", "http_access deny all"]);
  });

  it("only tunnels to TLS ports, caches nothing, logs to the files the image's entrypoint follows", () => {
    expect(lines).toContain("acl tls_ports port 443");
    expect(lines).toContain("cache deny all");
    expect(lines).toContain("access_log stdio:/var/log/squid/access.log");
    expect(conf).not.toContain("/dev/std");
  });
});

describe("network policies", () => {
  it("default-denies apps egress except the gateway, DNS and egress-db-proxy", () => {
    const spec = appsEgressPolicy({ gatewayNamespace: "egress-system", gatewayLabels: { app: "egress-gateway" }, gatewayPort: 3128, dbProxyLabels: { app: "egress-db-proxy" }, dbProxyPort: 5432 });
    expect(spec.podSelector).toEqual({});
    expect(spec.policyTypes).toEqual(["Egress"]);
    const egress = spec.egress as Array<{ ports: Array<{ port: number }> }>;
    expect(egress.map((rule) => rule.ports.map((p) => p.port))).toEqual([[3128], [53, 53], [5432]]);
  });

  it("lets the gateway reach the internet but not back into the cluster, and admits only the apps namespace", () => {
    const spec = gatewayPolicy({ gatewayLabels: { app: "egress-gateway" }, gatewayPort: 3128, clientNamespace: "apps", clusterCidrs: ["10.42.0.0/16", "10.43.0.0/16"] });
    expect(spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } } }], ports: [{ protocol: "TCP", port: 3128 }] }]);
    expect((spec.egress as Array<{ to: unknown[] }>)[0].to).toEqual([{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.42.0.0/16", "10.43.0.0/16"] } }]);
  });

  it("keeps the proxy's own upstream port open past the default deny", () => {
    const spec = dbProxyPolicy({ dbProxyLabels: { app: "egress-db-proxy" }, upstreamPort: 22, clusterCidrs: ["10.42.0.0/16"] });
    expect((spec.egress as Array<{ ports?: Array<{ port: number }> }>)[0].ports).toEqual([{ protocol: "TCP", port: 22 }]);
  });
});

describe("dbProxyContainer", () => {
  const upstream = { host: "p.db.example.com", port: 5432 };
  const tethys = { host: "tethys.example.com", port: 2222, user: "tunnel" };

  it("tunnels through tethys with strict host-key checking against the pinned known_hosts", () => {
    const container = dbProxyContainer({ mode: "ssh-tunnel", image: "jnovack/autossh:2.0.1", upstream, tethys });
    const command = container.command as string[];
    expect(command[0]).toBe("autossh");
    expect(command).toContain("StrictHostKeyChecking=yes");
    expect(command.join(" ")).not.toMatch(/StrictHostKeyChecking=no/);
    expect(command).toContain("UserKnownHostsFile=/etc/egress-db-proxy/known_hosts");
    expect(command.slice(-3)).toEqual(["-L", "0.0.0.0:5432:p.db.example.com:5432", "tunnel@tethys.example.com"]);
    expect(command[command.indexOf("-p") + 1]).toBe("2222");
    expect(container.readinessProbe).toMatchObject({ tcpSocket: { port: 5432 } });
  });

  it("forwards plain TCP in tcp-forward mode", () => {
    const container = dbProxyContainer({ mode: "tcp-forward", image: "alpine/socat:1.8.0.3", upstream, tethys });
    expect(container.command).toEqual(["socat", "TCP-LISTEN:5432,fork,reuseaddr", "TCP:p.db.example.com:5432"]);
    expect(container.volumeMounts).toEqual([]);
  });
});

describe("sshKeyFile", () => {
  const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----";

  it("restores the final newline a shell's $(cat key) strips, and keeps a good key as it is", () => {
    expect(sshKeyFile(key)).toBe(`${key}\n`);
    expect(sshKeyFile(`${key}\n`)).toBe(`${key}\n`);
  });

  it("turns Windows line ends into Unix ones", () => {
    expect(sshKeyFile(`${key.replaceAll("\n", "\r\n")}\r\n\r\n`)).toBe(`${key}\n`);
  });
});
