/*
 * Errors are plain `Error`s tagged by `name`, with guards instead of `instanceof`: a provider
 * runs from a bundle evaluated in the provider host, and a caller holding another copy of the
 * same module (the CLI, tests) could not match that bundle's classes.
 */

/** A plain Error named `name`, carrying `fields`. */
export function tagged<E extends Error>(name: E["name"], message: string, fields: Omit<E, keyof Error> & Partial<Pick<E, "cause">>): E {
  return Object.assign(new Error(message), fields, { name }) as E;
}

/** Whether `err` is an Error tagged with one of `names`. */
export function hasName<E extends Error>(err: unknown, ...names: Array<E["name"]>): err is E {
  return err instanceof Error && names.includes(err.name);
}
