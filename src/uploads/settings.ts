/** Pure settings of the uploads bucket, computed from typed args so they are testable without an engine. */

export interface LifecycleDays {
  abortIncompleteUploadDays: number;
  importNoncurrentDays: number;
  exportNoncurrentDays: number;
}

export interface BucketSettingsArgs {
  corsOrigins: string[];
  importPrefix: string;
  exportPrefix: string;
  lifecycle: LifecycleDays;
  /** An S3-compatible endpoint (MinIO...) instead of AWS S3. */
  endpoint?: string;
}

export interface LifecycleRule {
  id: string;
  status: "Enabled";
  filter: { prefix?: string };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
  noncurrentVersionExpiration?: { noncurrentDays: number };
}

export interface CorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

/** Bucket features AWS S3 has and S3-compatible servers commonly lack (MinIO answers NotImplemented). */
export type OptionalFeature = "cors" | "publicAccessBlock" | "ownershipControls" | "serverSideEncryption";

export interface BucketSettings {
  cors: CorsRule[];
  lifecycleRules: LifecycleRule[];
  /** Features left out because the endpoint cannot honour them, each with the reason. */
  skipped: Array<{ feature: OptionalFeature; reason: string }>;
}

/**
 * The fixed part of a templated prefix: the folders before the first placeholder, which is
 * what every project's storage shares and what a lifecycle rule can filter on.
 */
export function basePrefix(template: string): string {
  const placeholder = template.indexOf("{");
  const fixed = placeholder < 0 ? `${template}/` : template.slice(0, template.lastIndexOf("/", placeholder) + 1);
  return fixed.replace(/\/+/g, "/").replace(/^\//, "");
}

// Presigned browser uploads send these; x-amz-* covers the signature and checksum headers.
const PRESIGNED_UPLOAD_HEADERS = ["Authorization", "Content-Disposition", "Content-MD5", "Content-Type", "Range", "x-amz-*"];

export function bucketSettings(args: BucketSettingsArgs): BucketSettings {
  const cors: CorsRule[] = [
    {
      allowedOrigins: [...new Set(args.corsOrigins)].sort(),
      allowedMethods: ["GET", "HEAD", "POST", "PUT"],
      allowedHeaders: PRESIGNED_UPLOAD_HEADERS,
      exposeHeaders: ["ETag"],
      maxAgeSeconds: 3600,
    },
  ];
  const lifecycleRules: LifecycleRule[] = [
    { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: args.lifecycle.abortIncompleteUploadDays } },
    { id: "expire-noncurrent-imports", status: "Enabled", filter: prefixFilter(args.importPrefix), noncurrentVersionExpiration: { noncurrentDays: args.lifecycle.importNoncurrentDays } },
    { id: "expire-noncurrent-exports", status: "Enabled", filter: prefixFilter(args.exportPrefix), noncurrentVersionExpiration: { noncurrentDays: args.lifecycle.exportNoncurrentDays } },
  ];
  const skipped: BucketSettings["skipped"] = args.endpoint
    ? [
        { feature: "cors", reason: "S3-compatible servers such as MinIO configure CORS server-wide, not per bucket" },
        { feature: "publicAccessBlock", reason: "PutPublicAccessBlock is an AWS-only API" },
        { feature: "ownershipControls", reason: "object ownership controls are an AWS-only API" },
        { feature: "serverSideEncryption", reason: "default bucket encryption needs a KMS set up on the S3-compatible server" },
      ]
    : [];
  return { cors, lifecycleRules, skipped };
}

function prefixFilter(template: string): { prefix?: string } {
  const prefix = basePrefix(template);
  return prefix ? { prefix } : {};
}

/** A bucket policy that refuses every request not made over TLS. Keys in a fixed order: no spurious diffs. */
export function denyInsecureTransportPolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}
