/**
 * An error the operator can act on: the message names the file, flag or setting at fault and
 * says how to fix it. The CLI prints it without a stack trace; the provider surfaces it as-is.
 * A tagged plain Error matched by name, not a subclass: the provider runs from a bundle evaluated
 * in the provider host, and a caller holding another copy of this module could not match its class.
 */
export type MigrationError = Error & { name: "MigrationError" };

export function migrationError(message: string): MigrationError {
  return Object.assign(new Error(message), { name: "MigrationError" as const });
}

export function isMigrationError(err: unknown): err is MigrationError {
  return err instanceof Error && err.name === "MigrationError";
}
