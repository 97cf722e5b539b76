import * as pulumi from "@pulumi/pulumi";

/**
 * Installs Pulumi's mock engine (preview mode) and returns the live list of raw registrations,
 * secrets still in their wire form, for tests that construct one resource directly. Whole
 * programs go through `oceanid plan` instead (tests/harness/cli.ts).
 */
export function recordRegistrations(): pulumi.runtime.MockResourceArgs[] {
  const registered: pulumi.runtime.MockResourceArgs[] = [];
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push(args);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "oceanid-cluster",
    "test",
    true,
  );
  return registered;
}
