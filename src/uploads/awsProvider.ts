import { Provider } from "@pulumi/aws/provider";
import type * as pulumi from "@pulumi/pulumi";

export interface UploadsProviderArgs {
  region: string;
  endpoint?: string;
  accessKeyId: pulumi.Input<string>;
  secretAccessKey: pulumi.Input<string>;
}

/**
 * The AWS provider for the uploads bucket, from config only. For an S3-compatible endpoint it
 * uses path-style addressing and skips the AWS-only credential, account and region checks.
 */
export function uploadsProvider(name: string, args: UploadsProviderArgs, opts?: pulumi.CustomResourceOptions): Provider {
  return new Provider(
    name,
    {
      region: args.region,
      accessKey: args.accessKeyId,
      secretKey: args.secretAccessKey,
      ...(args.endpoint
        ? {
            endpoints: [{ s3: args.endpoint }],
            s3UsePathStyle: true,
            skipCredentialsValidation: true,
            skipRequestingAccountId: true,
            skipMetadataApiCheck: true,
            skipRegionValidation: true,
          }
        : {}),
    },
    opts,
  );
}
