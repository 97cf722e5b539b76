import { DEFAULT_IMPORT_REGEX } from "./prefix";

/** Defaults for the optional storage settings (stack config and CLI alike). */
export const STORAGE_DEFAULTS = {
  importPrefix: "raw-uploads",
  exportPrefix: "annotations",
  importRegex: DEFAULT_IMPORT_REGEX,
  importTitle: "S3 uploads",
  exportTitle: "S3 annotations",
} as const;

/** Where the provider (as fallback) and the CLI read the credentials from the environment. */
export const CREDENTIAL_ENV = { token: "LABEL_STUDIO_TOKEN", accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY" } as const;
