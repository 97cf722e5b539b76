import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Builders for the `kubectl get -o json` shapes the smoke checks read. */
export function pod(name: string, labels: Record<string, string>, state: { ready?: boolean; phase?: string; deleting?: boolean } = {}) {
  const { ready = true, phase = "Running", deleting = false } = state;
  return {
    metadata: { name, labels, ...(deleting ? { deletionTimestamp: "2025-01-01T00:00:00Z" } : {}) },
    status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

export const PROXY_ENV = {
  HTTP_PROXY: "http://egress-gateway.egress-system.svc.cluster.local:3128",
  HTTPS_PROXY: "http://egress-gateway.egress-system.svc.cluster.local:3128",
  NO_PROXY: ".svc.cluster.local,10.42.0.0/16,10.43.0.0/16,127.0.0.1,localhost",
};

export function deployment(name: string, env: Record<string, string>, container = name) {
  return {
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { spec: { containers: [{ name: container, env: Object.entries(env).map(([k, value]) => ({ name: k, value })) }] } },
    },
  };
}

export const list = (...items: unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });

export interface Answer {
  match: string;
  stdout?: string;
  stderr?: string;
  code?: number;
}

/** A healthy cluster as the runbook expects it; tests override single answers. */
export function healthyCluster(): Record<string, Answer> {
  return {
    gatewayPods: { match: "^get pods -n egress-system -l app=egress-gateway -o json$", stdout: list(pod("egress-gateway-6b9c-x2k4p", { app: "egress-gateway" })) },
    deployments: {
      match: "^get deployments -n apps -o json$",
      stdout: list(deployment("csv-ingestion-worker", PROXY_ENV, "worker"), deployment("egress-db-proxy", {}), deployment("label-studio-ls-app", PROXY_ENV, "label-studio")),
    },
    appPods: {
      match: "^get pods -n apps -o json$",
      stdout: list(
        pod("csv-ingestion-worker-7f-old", { app: "csv-ingestion-worker" }, { deleting: true }),
        pod("egress-db-proxy-5d-abcde", { app: "egress-db-proxy" }),
        pod("label-studio-ls-app-8c-q7w2e", { app: "label-studio-ls-app" }),
      ),
    },
    tcpProbe: {
      match: "^exec -n apps label-studio-ls-app-8c-q7w2e -c label-studio -- sh -c [\\s\\S]*nc -zvw5[\\s\\S]* probe egress-db-proxy\\.apps\\.svc\\.cluster\\.local 5432$",
      stderr: "Connection to egress-db-proxy.apps.svc.cluster.local (10.43.17.4) 5432 port [tcp/postgresql] succeeded!\n",
    },
    httpProbe: { match: "^exec -n apps label-studio-ls-app-8c-q7w2e -c label-studio -- sh -c [\\s\\S]*curl[\\s\\S]* probe https://ipinfo\\.io/ip$", stdout: "157.173.210.123" },
    gatewayLogs: {
      match: "^logs -n egress-system -l app=egress-gateway --all-containers --since=5m --tail=5000$",
      stdout: "1732380000.123    412 10.42.1.17 TCP_TUNNEL/200 5123 CONNECT ipinfo.io:443 - HIER_DIRECT/34.117.59.81 -\n",
    },
  };
}

/** Writes the fixture and returns the env that puts the fake kubectl first on PATH. */
export function fakeKubectlEnv(answers: Record<string, Answer>, extra: Record<string, string> = {}): { env: NodeJS.ProcessEnv; calls: () => string[][] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kubectl-"));
  const fixture = path.join(dir, "fixture.json");
  const log = path.join(dir, "calls.jsonl");
  fs.writeFileSync(fixture, JSON.stringify({ answers: Object.values(answers) }));
  const PATH = [path.join(__dirname, "bin"), path.dirname(process.execPath), process.env.PATH].join(path.delimiter);
  return {
    env: { ...process.env, PATH, FAKE_KUBECTL_FIXTURE: fixture, FAKE_KUBECTL_LOG: log, ...extra },
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]) : []),
  };
}
