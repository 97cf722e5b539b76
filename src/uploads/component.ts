import * as aws from "@pulumi/aws";
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

    const bucket = new aws.s3.Bucket(name, { bucket: args.bucketName, forceDestroy: false }, { ...child, protect: true });
    const bucketRef = { bucket: bucket.id };
    const skipped = new Set(settings.skipped.map((s) => s.feature));
    for (const { feature, reason } of settings.skipped) {
      void pulumi.log.warn(`uploads bucket: ${feature} skipped on ${args.endpoint}: ${reason}`, this);
    }

    const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { ...bucketRef, versioningConfiguration: { status: "Enabled" } }, child);
    const dependsOn: pulumi.Resource[] = [versioning];
    if (!skipped.has("publicAccessBlock")) {
      dependsOn.push(
        new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, { ...bucketRef, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, child),
      );
    }
    if (!skipped.has("ownershipControls")) {
      new aws.s3.BucketOwnershipControls(`${name}-ownership`, { ...bucketRef, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
    }
    if (!skipped.has("serverSideEncryption")) {
      new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-encryption`,
        { ...bucketRef, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
        child,
      );
    }
    if (!skipped.has("cors")) {
      new aws.s3.BucketCorsConfiguration(`${name}-cors`, { ...bucketRef, corsRules: settings.cors }, child);
    }
    // Noncurrent-version rules need versioning in place first.
    new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { ...bucketRef, rules: settings.lifecycleRules }, { ...child, dependsOn: [versioning] });
    // The public access block must exist before a policy, or S3 may evaluate it as public.
    new aws.s3.BucketPolicy(`${name}-tls-only`, { ...bucketRef, policy: bucket.arn.apply(denyInsecureTransportPolicy) }, { ...child, dependsOn });

    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;
    this.region = args.region;
    this.endpoint = args.endpoint;
    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn, region: this.region, endpoint: this.endpoint });
  }
}
