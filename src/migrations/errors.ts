/**
 * An error the operator can act on: the message names the file, flag or setting at fault and
 * says how to fix it. The CLI prints it without a stack trace; the provider surfaces it as-is.
 */
export class MigrationError extends Error {
  override name = "MigrationError";
}
