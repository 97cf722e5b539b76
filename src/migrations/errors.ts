import { hasName, tagged } from "../taggedError";

/**
 * An error the operator can act on: the message names the file, flag or setting at fault and
 * says how to fix it. The CLI prints it without a stack trace; the provider surfaces it as-is.
 */
export type MigrationError = Error & { name: "MigrationError" };

export function migrationError(message: string): MigrationError {
  return tagged<MigrationError>("MigrationError", message, {});
}

export function isMigrationError(err: unknown): err is MigrationError {
  return hasName<MigrationError>(err, "MigrationError");
}
