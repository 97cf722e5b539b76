import { createHash } from "node:crypto";
import { Readable } from "node:stream";

/*
 * An in-memory store for s3rver 3.7.1, with the interface and answers of its FilesystemStore
 * (lib/stores/filesystem.js) for everything but multipart uploads. s3rver still does all the
 * S3 work — routing, SigV4 authentication, XML, errors; only where objects live changes. Its
 * filesystem store keeps three files per object and answers each listing by walking the
 * bucket's directories with a synchronous `stat` per entry, which for hundreds of prefixes
 * under one parent costs milliseconds per request of the single-threaded server: fine for
 * tests, the bottleneck of a benchmark (see bench/provision.ts). Keys list in code-unit order
 * (S3's byte order for every key without characters beyond U+FFFF).
 */

// s3rver's models; it ships no types.
type S3ObjectModel = { bucket: string; key: string; content: Buffer | Readable | null; metadata: Record<string, string | number>; range?: { start: number; end: number } };
const S3Object = require("s3rver/lib/models/object") as {
  new (bucket: string, key: string, content: Buffer | Readable | null, metadata: Record<string, unknown>): S3ObjectModel;
  ALLOWED_METADATA: string[];
};
const S3Bucket = require("s3rver/lib/models/bucket") as new (name: string, creationDate: Date) => unknown;
const { getConfigModel } = require("s3rver/lib/models/config") as { getConfigModel(type: string): new (xml: string) => { type: string; toXML(space?: number): string } };

interface StoredObject {
  content: Buffer;
  md5: string;
  metadata: Record<string, string>;
  modified: Date;
}

interface Bucket {
  created: Date;
  objects: Map<string, StoredObject>;
  /** The objects' keys in order, so a listing finds its prefix by binary search. */
  keys: string[];
  /** Subresource XML (cors, website, tagging) by "key\0type"; key "" is the bucket's own. */
  subresources: Map<string, string>;
}

interface ListOptions {
  delimiter?: string;
  startAfter?: string;
  prefix?: string;
  maxKeys?: number;
}

export class S3MemoryStore {
  private readonly buckets = new Map<string, Bucket>();

  reset(): void {
    this.buckets.clear();
  }

  async listBuckets(): Promise<unknown[]> {
    return [...this.buckets.keys()].sort().map((name) => new S3Bucket(name, this.buckets.get(name)!.created));
  }

  async getBucket(bucket: string): Promise<unknown> {
    const found = this.buckets.get(bucket);
    return found ? new S3Bucket(bucket, found.created) : null;
  }

  async putBucket(bucket: string): Promise<unknown> {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, { created: new Date(), objects: new Map(), keys: [], subresources: new Map() });
    return this.getBucket(bucket);
  }

  async deleteBucket(bucket: string): Promise<void> {
    this.buckets.delete(bucket);
  }

  /**
   * FilesystemStore.listObjects, except that common prefixes are found at any depth, as S3
   * finds them: s3rver's directory walk misses those more than one level below the prefix.
   * Common prefixes do not count towards maxKeys (as in s3rver).
   */
  async listObjects(bucket: string, { delimiter = "", startAfter = "", prefix = "", maxKeys = Infinity }: ListOptions) {
    const { objects, keys } = this.bucket(bucket);
    const commonPrefixes = new Set<string>();
    const listed: string[] = [];
    let isTruncated = false;
    for (let i = firstAtOrAfter(keys, prefix > startAfter ? prefix : startAfter); i < keys.length && keys[i].startsWith(prefix); i++) {
      const key = keys[i];
      if (key <= startAfter) continue;
      const idx = delimiter ? key.slice(prefix.length).indexOf(delimiter) : -1;
      if (idx !== -1) {
        commonPrefixes.add(key.slice(0, prefix.length + idx + 1));
        continue;
      }
      if (listed.length < maxKeys) listed.push(key);
      else {
        isTruncated = true;
        break;
      }
    }
    return {
      objects: listed.map((key) => new S3Object(bucket, key, null, this.metadata(objects.get(key)!))),
      commonPrefixes: [...commonPrefixes].sort(),
      isTruncated,
    };
  }

  async existsObject(bucket: string, key: string): Promise<boolean> {
    return this.buckets.get(bucket)?.objects.has(key) ?? false;
  }

  async getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3ObjectModel | null> {
    const stored = this.buckets.get(bucket)?.objects.get(key);
    if (!stored) return null;
    const metadata = this.metadata(stored);
    const lastByte = Math.max(0, stored.content.length - 1);
    const range = { start: options?.start ?? 0, end: Math.min(options?.end ?? Infinity, lastByte) };
    const ranged = options !== undefined && (options.start !== undefined || options.end !== undefined);
    if (range.start < 0 || Math.min(range.end, lastByte) < range.start) {
      // Not satisfiable: no content.
      const object = new S3Object(bucket, key, null, metadata);
      if (ranged) object.range = range;
      return object;
    }
    const object = new S3Object(bucket, key, Readable.from([stored.content.subarray(range.start, range.end + 1)]), metadata);
    if (ranged) object.range = range;
    return object;
  }

  async putObject(object: S3ObjectModel): Promise<{ size: number; md5: string }> {
    const content = Buffer.isBuffer(object.content) ? object.content : await collect(object.content as Readable);
    const md5 = createHash("md5").update(content).digest("hex");
    this.set(object.bucket, object.key, { content, md5, metadata: storedMetadata(object.metadata), modified: new Date() });
    return { size: content.length, md5 };
  }

  async copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacementMetadata?: Record<string, string>) {
    const source = this.bucket(srcBucket).objects.get(srcKey)!;
    const copy = { ...source, metadata: replacementMetadata ? storedMetadata(replacementMetadata) : { ...source.metadata }, modified: new Date() };
    this.set(destBucket, destKey, copy);
    return this.metadata(copy);
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    const { objects, keys } = this.bucket(bucket);
    if (objects.delete(key)) keys.splice(firstAtOrAfter(keys, key), 1);
  }

  async getSubresource(bucket: string, key: string | undefined, type: string) {
    // Asked before s3rver knows whether the bucket exists (CORS middleware).
    const xml = this.buckets.get(bucket)?.subresources.get(`${key ?? ""}\0${type}`);
    return xml === undefined ? null : new (getConfigModel(type))(xml);
  }

  async putSubresource(bucket: string, key: string | undefined, resource: { type: string; toXML(space?: number): string }): Promise<void> {
    this.bucket(bucket).subresources.set(`${key ?? ""}\0${resource.type}`, resource.toXML(2));
  }

  async deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void> {
    this.bucket(bucket).subresources.delete(`${key ?? ""}\0${type}`);
  }

  async initiateUpload(): Promise<never> {
    throw new Error("multipart uploads are not supported by the in-memory s3rver store");
  }

  putPart = this.initiateUpload;
  putObjectMultipart = this.initiateUpload;

  private set(bucket: string, key: string, stored: StoredObject): void {
    const { objects, keys } = this.bucket(bucket);
    if (!objects.has(key)) keys.splice(firstAtOrAfter(keys, key), 0, key);
    objects.set(key, stored);
  }

  private bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    // s3rver checks that the bucket exists before it calls the store.
    if (!bucket) throw Object.assign(new Error(`no bucket ${name}`), { code: "ENOENT" });
    return bucket;
  }

  /** FilesystemStore.getMetadata: the stored metadata and the intrinsic fields. */
  private metadata(stored: StoredObject): Record<string, string | number> {
    return { ...stored.metadata, etag: JSON.stringify(stored.md5), "last-modified": stored.modified.toUTCString(), "content-length": stored.content.length };
  }
}

/** Index of the first of the sorted keys that is not below `key`. */
function firstAtOrAfter(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keys[mid] < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** FilesystemStore.putMetadata keeps these. */
function storedMetadata(metadata: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).filter(([key]) => S3Object.ALLOWED_METADATA.includes(key) || key.startsWith("x-amz-meta-")),
  ) as Record<string, string>;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
