/**
 * What every command shares with src/cli/main.ts. Commands import this module, never main.ts,
 * so imports run one way: main.ts → <area>/command.ts → cli/errors.ts.
 */

/** Bad input from the operator: printed as-is (one message, no stack trace), exit status 1. */
export class UsageError extends Error {}
