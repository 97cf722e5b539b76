/** Label Studio calls import storages "source" and export storages "target". */
export type Direction = "import" | "export";

/** Storage settings shared by every project (stack config or CLI flags/environment). */
export interface StorageSettings {
  bucket: string;
  region: string;
  /** S3-compatible endpoint; unset for AWS S3. */
  endpoint?: string;
  /** Base path or template with {project} / {project_id}. */
  importPrefix: string;
  exportPrefix: string;
  /** Python regex Label Studio matches (re.match) against each full object key. */
  importRegex: string;
  importTitle: string;
  exportTitle: string;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Project {
  id: number;
  title: string;
}

/** A storage as Label Studio returns it: the serializer never includes the access keys. */
export interface LsStorage {
  id: number;
  project: number;
  title: string | null;
  bucket: string | null;
  prefix: string | null;
  region_name: string | null;
  s3_endpoint: string | null;
  regex_filter?: string | null;
  use_blob_urls?: boolean;
  presign?: boolean;
  last_sync: string | null;
  status?: string;
}

/** The settings we own on a storage; everything else (presign_ttl, can_delete_objects, ...) is left to users. */
export interface StorageFields {
  title: string;
  bucket: string;
  prefix: string;
  region_name: string;
  s3_endpoint: string | null;
  regex_filter?: string;
  use_blob_urls?: boolean;
  presign?: boolean;
}
