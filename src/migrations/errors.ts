/**
 * An error the operator can act on: the message names the file, flag or setting at fault and
 * says how to fix it. The CLI prints it without a stack trace; the provider surfaces it as-is.
 * A tagged plain Error rather than a subclass: this code is also serialized into Pulumi state as
 * the provider's closure, and the closure serializer does not rebuild subclasses of built-ins.
 */
export type MigrationError = Error & { name: "MigrationError" };

export function migrationError(message: string): MigrationError {
  return Object.assign(new Error(message), { name: "MigrationError" as const });
}

export function isMigrationError(err: unknown): err is MigrationError {
  return err instanceof Error && err.name === "MigrationError";
}
