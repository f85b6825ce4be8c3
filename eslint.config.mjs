import tseslint from 'typescript-eslint';

const genesysOnly = {
  paths: [
    { name: 'axios', message: 'Only src/genesys may speak HTTP to Genesys Cloud.' },
    { name: 'axios-retry', message: 'Only src/genesys may speak HTTP to Genesys Cloud.' },
    { name: 'opossum', message: 'Only src/genesys owns the circuit breaker.' },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'data/**',
      'test-output/**',
      'bin/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      curly: ['error', 'all'],
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', genesysOnly],
    },
  },
  {
    files: ['src/genesys/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/policy/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...genesysOnly.paths, 'ioredis', 'bullmq', 'pg', 'fs', 'node:fs', 'node:http', 'fastify'],
          patterns: [
            {
              group: ['../genesys/*', '../workers/*', '../audit/*', '../http/*'],
              message: 'policy/ is pure: no I/O.',
            },
          ],
        },
      ],
    },
  },
);
