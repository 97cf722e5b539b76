// The oceanid policy pack: `pulumi preview --policy-pack policy`. The policies live in
// src/policy/ so `oceanid policy check` and `oceanid plan --policy` run the same code offline.
import * as pulumi from "@pulumi/pulumi";
import { PolicyPack } from "@pulumi/policy";
import { policyContextFromConfig } from "../src/policy/context";
import { crossGuardPolicies } from "../src/policy/pack";

// The engine hands the pack the stack's config as it does the program; read on each check.
new PolicyPack("oceanid", { enforcementLevel: "mandatory", policies: crossGuardPolicies(() => policyContextFromConfig(pulumi.runtime.allConfig())) });
