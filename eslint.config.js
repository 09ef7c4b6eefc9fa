// ESLint (flat config) with typescript-eslint; Prettier owns the layout (eslint-config-prettier turns the style rules
// off). `npm run lint` runs both; .ci/run runs `npm run lint`.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * The layering of docs/architecture.md#layers: the runner, the cluster model, the kind target and the reports never
 * load the simulator (type imports are erased and allowed); webhook/ stands alone and imports nothing outside itself.
 */
const noSimulatorAtRunTime = {
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          group: ['**/sim/**'],
          message: 'this layer drives a Target and must not load the simulator (docs/architecture.md#layers); a type import is fine',
          allowTypeImports: true,
        },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'results/', '.sim/', '.scratch/', '.ci/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        structuredClone: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        NodeJS: 'readonly',
        queueMicrotask: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Deliberate `any` is rare and marked; tests use it for malformed input on purpose.
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-empty': ['error', { allowEmptyCatch: true }],
      // A variable a closure reads before its single assignment (callbacks wired up first) must stay `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: [
      'scripts/runner/**',
      'scripts/measure/**',
      'scripts/gate/**',
      'scripts/cluster/**',
      'scripts/targets/target.ts',
      'scripts/targets/controlPortFleet.ts',
      'scripts/targets/binary/**',
      'scripts/targets/kind/**',
      'scripts/report/**',
    ],
    rules: noSimulatorAtRunTime,
  },
  {
    // The bottom layer (docs/architecture.md#layers): the vocabulary every layer shares imports nothing of the project.
    files: ['scripts/core/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*', '!./*'], message: 'scripts/core/ is the bottom layer: it imports nothing of the project (docs/architecture.md#layers)' },
          ],
        },
      ],
    },
  },
  {
    // The simulator is below the runner, the targets and the CLI: from scripts/ it takes only the bottom layer.
    files: ['sim/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../../scripts/*', '../../../scripts/*', '!../../scripts/core', '!../../../scripts/core'],
              message:
                'sim/ never imports the runner, the targets, the plan or the CLI; shared vocabulary lives in scripts/core/ (docs/architecture.md#layers)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['webhook/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*', '!./*'], message: 'webhook/ stands alone: it imports nothing outside webhook/ (docs/architecture.md#layers)' }] },
      ],
    },
  },
  {
    // One function, one meaning (issue 18): split a longer function by what its parts mean, not by line count.
    files: ['sim/**', 'scripts/**', 'webhook/**'],
    rules: { 'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }] },
  },
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' } },
);
