import { DEFAULT_IMPORT_REGEX } from "./prefix";

/** Defaults for the optional storage settings (stack config and CLI alike). */
export const STORAGE_DEFAULTS = {
  importPrefix: "raw-uploads",
  exportPrefix: "annotations",
  importRegex: DEFAULT_IMPORT_REGEX,
  importTitle: "S3 uploads",
  exportTitle: "S3 annotations",
} as const;
