import type { Command } from "commander";
import { UsageError } from "../cli/errors";
import { canonicalIp } from "./checks";
import { runEgressSmoke } from "./egress";
import { kubectlRunner } from "./kubectl";

interface EgressFlags {
  expectedIp?: string;
  namespace: string;
  gatewayNamespace: string;
  gatewaySelector: string;
  deployment: string[];
  dbProxy: string;
  dbProxyPort: string;
  ipEchoUrl: string;
  context?: string;
}

/** `oceanid smoke egress`: the runbook's egress verification against a live cluster, via kubectl. */
export function registerSmokeCommand(program: Command): void {
  const smoke = program.command("smoke").description("Check a live cluster (kubectl from PATH)");
  smoke
    .command("egress")
    .description("Gateway ready, proxy env on the apps, egress-db-proxy reachable, egress IP = the gateway's; exit 1 on any FAIL")
    .option("--expected-ip <ip>", "public IP the apps must leave with (the egress node's, e.g. 157.173.210.123); required")
    .option("--namespace <ns>", "namespace of the apps and egress-db-proxy", "apps")
    .option("--gateway-namespace <ns>", "namespace of the egress gateway", "egress-system")
    .option("--gateway-selector <labels>", "label selector of the gateway pods", "app=egress-gateway")
    .option("--deployment <name>", "deployment to check, repeatable (default: every one in --namespace except the db proxy)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--db-proxy <name>", "egress-db-proxy Service (and Deployment) name", "egress-db-proxy")
    .option("--db-proxy-port <port>", "egress-db-proxy port", "5432")
    .option("--ip-echo-url <url>", "URL that answers with the caller's public IP", "https://ipinfo.io/ip")
    .option("--context <name>", "kubeconfig context")
    .action(async (flags: EgressFlags) => {
      if (!flags.expectedIp || canonicalIp(flags.expectedIp) === undefined) throw new UsageError("--expected-ip <ip> is required: the public IP the CrunchyBridge firewall allows");
      const port = Number(flags.dbProxyPort);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--db-proxy-port: not a port: ${flags.dbProxyPort}`);
      if (!/^https?:\/\//.test(flags.ipEchoUrl)) throw new UsageError(`--ip-echo-url: not an http(s) URL: ${flags.ipEchoUrl}`);
      const { ok, report } = await runEgressSmoke(
        { ...flags, expectedIp: flags.expectedIp, deployments: flags.deployment, dbProxyPort: port },
        kubectlRunner({ context: flags.context }),
      );
      process.stdout.write(report);
      if (!ok) process.exitCode = 1;
    });
}
