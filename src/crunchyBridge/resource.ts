import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { AllowlistRule, FirewallAllowlistOutputs } from "./allowlist";
import { bundledProvider } from "../dynamicProviders/bundled";
import { FIREWALL_PROVIDER_VERSION, firewallAllowlistProvider } from "./provider";

export interface FirewallAllowlistArgs {
  /** CrunchyBridge network id (e.g. `ooer7tenangenjelkxbkgz6sdi`). Changing it replaces the resource. */
  networkId: pulumi.Input<string>;
  /** CIDRs to allow; a bare IP becomes /32 or /128. At least one. */
  rules: pulumi.Input<pulumi.Input<{ cidr: pulumi.Input<string>; description: pulumi.Input<string> }>[]>;
  /** Also delete live rules not listed here (not only rules this resource created). */
  prune: pulumi.Input<boolean>;
  /** Permit 0.0.0.0/0 or ::/0. */
  allowAnyAddress?: pulumi.Input<boolean>;
  /** Defaults to https://api.crunchybridge.com. */
  apiUrl?: pulumi.Input<string>;
  /** Provider behaviour version; defaults to FIREWALL_PROVIDER_VERSION. */
  version?: pulumi.Input<string>;
}

/**
 * The CrunchyBridge firewall allowlist of one network. The API key comes from the secret stack
 * config `crunchyBridge.apiKey` (or env CRUNCHY_BRIDGE_API_KEY) inside the provider process;
 * it is never an input. One resource per network.
 */
export class FirewallAllowlist extends pulumi.dynamic.Resource {
  declare readonly networkId: pulumi.Output<string>;
  declare readonly rules: pulumi.Output<AllowlistRule[]>;
  declare readonly prune: pulumi.Output<boolean>;
  declare readonly allowAnyAddress: pulumi.Output<boolean>;
  declare readonly version: pulumi.Output<string>;
  declare readonly ownedRuleIds: pulumi.Output<string[]>;
  declare readonly extraRules: pulumi.Output<AllowlistRule[]>;

  constructor(name: string, args: FirewallAllowlistArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<keyof Omit<FirewallAllowlistOutputs, "apiUrl">, unknown> & { apiUrl?: unknown } = {
      ...args,
      allowAnyAddress: args.allowAnyAddress ?? false,
      version: args.version ?? FIREWALL_PROVIDER_VERSION,
      ownedRuleIds: undefined,
      extraRules: undefined,
    };
    super(bundledProvider(firewallAllowlistProvider, path.join(__dirname, "provider.ts"), "firewallAllowlistProvider"), name, props, opts, "crunchybridge", "FirewallAllowlist");
  }
}
