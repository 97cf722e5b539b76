// Type-aware lint: the checks the compiler does not make, chiefly promises nobody awaits
// (an un-awaited assertion on an Output passes without checking anything).
import tseslint from "typescript-eslint";

export default tseslint.config(
  // bin/*.cjs (the CLI's start-up) is type-checked with the rest (tsconfig.json checkJs) and linted here.
  { ignores: ["node_modules/", "**/*.cjs", "!bin/*.cjs", "**/*.mjs", "sql/"] },
  {
    files: ["**/*.ts", "bin/*.cjs"],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
    },
  },
);
