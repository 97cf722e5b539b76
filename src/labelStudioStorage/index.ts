/** What the stack wires: the per-project resource, the in-cluster CronJob and the defaults. */
export { ProvisionerCronJob, type ProvisionerCronJobArgs } from "./cronJob";
export { STORAGE_DEFAULTS } from "./defaults";
export { DEFAULT_IMPORT_REGEX, MARKER_NAME } from "./prefix";
export { PROVIDER_VERSION } from "./provider";
export { LabelStudioProjectStorage, type LabelStudioProjectStorageArgs } from "./resource";
