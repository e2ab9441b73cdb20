// ESLint for every room (typescript-eslint's type-aware rules: floating promises, unsafe `any`, misused
// promises), run by `npm run lint` and by the static tier of `npm test`, so CI enforces it.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "out/**", "node_modules/**", "test/peers/**", ".vscode-test/**", "**/*.d.ts"] },
  {
    files: ["src/**/*.ts"],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // One line limit instead of a formatter: long messages stay one greppable string.
      "max-len": ["error", { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
      // `_x` is "deliberately unused" (a destructured-away field, an interface's parameter).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // An async method that implements a Promise-returning interface without awaiting is fine; the rules that
      // matter for promises (floating, misused) stay on.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
);
