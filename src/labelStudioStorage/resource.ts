import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { STORAGE_DEFAULTS } from "./defaults";
import { bundledProvider } from "../dynamicProviders/bundled";
import { labelStudioStorageProvider, PROVIDER_VERSION } from "./provider";

export interface LabelStudioProjectStorageArgs {
  /** https://<host> of Label Studio. */
  labelStudioUrl: pulumi.Input<string>;
  /** Project id, or its exact title (resolved through the API at create/update/refresh). */
  project: pulumi.Input<number | string>;
  bucket: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** S3-compatible endpoint; omit for AWS S3. */
  endpoint?: pulumi.Input<string>;
  importPrefix?: pulumi.Input<string>;
  exportPrefix?: pulumi.Input<string>;
  importRegex?: pulumi.Input<string>;
  importTitle?: pulumi.Input<string>;
  exportTitle?: pulumi.Input<string>;
  /** Change to re-run the reconcile without another input change (defaults to the provider's). */
  version?: pulumi.Input<string>;
}

/**
 * One Label Studio project's import (source) and export (target) S3 storage, created or
 * brought back in line by the `labelstudio:ProjectStorage` dynamic provider.
 * Credentials are not arguments: the provider reads the secret stack config
 * `labelStudio.apiToken`, `aws.labelStudio.accessKeyId`, `aws.labelStudio.secretAccessKey`
 * (or LABEL_STUDIO_TOKEN, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) in its own process.
 */
export class LabelStudioProjectStorage extends pulumi.dynamic.Resource {
  declare readonly projectId: pulumi.Output<number>;
  declare readonly slug: pulumi.Output<string>;
  declare readonly importStorageId: pulumi.Output<number | null>;
  declare readonly importStoragePrefix: pulumi.Output<string>;
  declare readonly exportStorageId: pulumi.Output<number | null>;
  declare readonly exportStoragePrefix: pulumi.Output<string>;

  constructor(name: string, args: LabelStudioProjectStorageArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      bundledProvider(labelStudioStorageProvider, path.join(__dirname, "provider.ts"), "labelStudioStorageProvider"),
      name,
      {
        ...STORAGE_DEFAULTS,
        version: PROVIDER_VERSION,
        ...withoutUndefined(args),
        projectId: undefined,
        slug: undefined,
        importStorageId: undefined,
        importStoragePrefix: undefined,
        exportStorageId: undefined,
        exportStoragePrefix: undefined,
      },
      opts,
      "labelstudio",
      "ProjectStorage",
    );
  }
}

/** So an explicit `undefined` does not override a default. */
function withoutUndefined<T extends object>(args: T): Partial<T> {
  return Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined)) as Partial<T>;
}
