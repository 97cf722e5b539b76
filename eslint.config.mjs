// Type-aware lint: the checks the compiler does not make, chiefly promises nobody awaits
// (an un-awaited assertion on an Output passes without checking anything).
import tseslint from "typescript-eslint";

export default tseslint.config(
  // bin/*.cjs (the CLI's start-up) is type-checked with the rest (tsconfig.json checkJs) and linted here.
  { ignores: ["node_modules/", ".tmp/", "**/*.cjs", "!bin/*.cjs", "**/*.mjs", "sql/"] },
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
  {
    // An assertion inside Output.apply runs whenever the Output settles, if ever, after the test
    // has passed: no-floating-promises cannot see it (apply returns an Output, not a Promise).
    files: ["tests/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name='apply'] > :function CallExpression[callee.name='expect']",
          message: "expect() inside Output.apply is never awaited: unwrap the Output first (await new Promise((resolve) => output.apply(resolve))), then assert",
        },
      ],
    },
  },
);
