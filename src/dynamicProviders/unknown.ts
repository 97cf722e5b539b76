/**
 * The engine's placeholder for a value not known yet during preview (`unknownValue` in the SDK's
 * runtime/rpc.ts). Dynamic providers meet it in check and diff; the mock runtime shows it.
 * Kept here rather than imported from @pulumi/pulumi, so a provider bundle needs no SDK to load.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
