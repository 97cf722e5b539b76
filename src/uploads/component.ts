import { Bucket } from "@pulumi/aws/s3/bucket";
import { BucketCorsConfiguration } from "@pulumi/aws/s3/bucketCorsConfiguration";
import { BucketLifecycleConfiguration } from "@pulumi/aws/s3/bucketLifecycleConfiguration";
import { BucketOwnershipControls } from "@pulumi/aws/s3/bucketOwnershipControls";
import { BucketPolicy } from "@pulumi/aws/s3/bucketPolicy";
import { BucketPublicAccessBlock } from "@pulumi/aws/s3/bucketPublicAccessBlock";
import { BucketServerSideEncryptionConfiguration } from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
import { BucketVersioning } from "@pulumi/aws/s3/bucketVersioning";
import * as pulumi from "@pulumi/pulumi";
import { bucketSettings, denyInsecureTransportPolicy, type LifecycleDays } from "./settings";

export interface UploadsBucketArgs {
  bucketName: string;
  region: string;
  /** S3-compatible endpoint; the provider passed in opts must be configured for it (see awsProvider.ts). */
  endpoint?: string;
  /** Browser origins allowed to load presigned URLs (Label Studio's https:// origin). */
  corsOrigins: string[];
  /** Templated base prefixes of the per-project storages; lifecycle rules filter on their fixed part. */
  importPrefix: string;
  exportPrefix: string;
  lifecycle: LifecycleDays;
}

/**
 * The bucket behind Label Studio's uploads and per-project storages: private, versioned,
 * encrypted, TLS-only, with CORS for presigned browser access and lifecycle rules for cost.
 */
export class UploadsBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly region: string;
  readonly endpoint: string | undefined;

  constructor(name: string, args: UploadsBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("oceanid:uploads:Bucket", name, {}, opts);
    const settings = bucketSettings(args);
    const child = { parent: this };

    const bucket = new Bucket(name, { bucket: args.bucketName, forceDestroy: false }, { ...child, protect: true });
    const bucketRef = { bucket: bucket.id };
    const skipped = new Set(settings.skipped.map((s) => s.feature));
    for (const { feature, reason } of settings.skipped) {
      void pulumi.log.warn(`uploads bucket: ${feature} skipped on ${args.endpoint}: ${reason}`, this);
    }

    const versioning = new BucketVersioning(`${name}-versioning`, { ...bucketRef, versioningConfiguration: { status: "Enabled" } }, child);
    const dependsOn: pulumi.Resource[] = [versioning];
    if (!skipped.has("publicAccessBlock")) {
      dependsOn.push(
        new BucketPublicAccessBlock(`${name}-public-access`, { ...bucketRef, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, child),
      );
    }
    if (!skipped.has("ownershipControls")) {
      new BucketOwnershipControls(`${name}-ownership`, { ...bucketRef, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
    }
    if (!skipped.has("serverSideEncryption")) {
      new BucketServerSideEncryptionConfiguration(
        `${name}-encryption`,
        { ...bucketRef, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
        child,
      );
    }
    if (!skipped.has("cors")) {
      new BucketCorsConfiguration(`${name}-cors`, { ...bucketRef, corsRules: settings.cors }, child);
    }
    // Noncurrent-version rules need versioning in place first.
    new BucketLifecycleConfiguration(`${name}-lifecycle`, { ...bucketRef, rules: settings.lifecycleRules }, { ...child, dependsOn: [versioning] });
    // The public access block must exist before a policy, or S3 may evaluate it as public.
    new BucketPolicy(`${name}-tls-only`, { ...bucketRef, policy: bucket.arn.apply(denyInsecureTransportPolicy) }, { ...child, dependsOn });

    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;
    this.region = args.region;
    this.endpoint = args.endpoint;
    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn, region: this.region, endpoint: this.endpoint });
  }
}
