// ESLint (with typescript-eslint's type-aware rules) finds bugs; Prettier owns the layout
// (eslint-config-prettier turns off the rules that would argue with it).
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'resources/', 'node_modules/', 'test-artifacts/', '.sandbox/', '.cache/', 'nodes/*.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    languageOptions: {
      // tsconfig.test.json holds src, dev and test; the editor code has its own (browser) settings.
      parserOptions: { project: ['./tsconfig.test.json', './src/editor/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Promises nobody awaits or catches lose errors silently: in a long-running flow that is a lost file.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // Node-RED's node constructors keep \`this\` as \`node\` for their handlers: the documented idiom.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['node'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'max-len': ['error', { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // Tests load Node-RED's own internals (core nodes, context stores, bcrypt) from the runtime under
    // test, by a path resolved at run time: only require() can.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
