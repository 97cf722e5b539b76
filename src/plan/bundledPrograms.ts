/**
 * Programs compiled into the CLI bundle (bin/cli-bundle.cjs registers the project's index.ts
 * here), keyed by absolute path. A plan runs a registered program from the bundle, sharing its
 * modules (src/config.ts...), with no TypeScript loader; any other program is require()d from
 * source through tsx, as `pulumi up` loads it.
 */
export const bundledPrograms = new Map<string, () => unknown>();
