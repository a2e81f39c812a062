import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', 'data/', 'test-output/', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Workflow code must stay deterministic: only types and pure shared code (STYLE.md, Workflows).
    files: ['workflows/src/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@complaints/activities', message: 'Workflows call activities through proxyActivities; import their types only.', allowTypeImports: true },
            { name: '@complaints/runtime', message: 'Node-side plumbing has no place in workflow code.' },
            {
              name: '@complaints/shared',
              message: "The index loads every zod schema and luxon, and the worker evaluates a workflow's imports again for each workflow: import values from @complaints/shared/workflow.",
              allowTypeImports: true,
            },
            { name: '@temporalio/client', message: 'Workflow code cannot use the client.' },
            { name: '@temporalio/worker', message: 'Workflow code cannot use the worker.' },
            { name: '@temporalio/activity', message: 'Workflow code cannot use activity APIs.' },
            ...['mongoose', 'nodemailer', 'express', 'pino', 'handlebars', 'jose'].map((name) => ({ name, message: `${name} does I/O; call it from an activity.` })),
          ],
          patterns: [
            { group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'http', 'https', 'net', 'crypto', 'child_process'], message: 'Node APIs are not deterministic; use an activity.' },
            { group: ['**/activities/src/*', '**/services/*'], message: 'Workflows never import services or activity implementations.', allowTypeImports: true },
            { group: ['@complaints/runtime/*'], message: 'Node-side plumbing has no place in workflow code.' },
            { group: ['@complaints/shared/src/*'], message: 'Values for workflow code come from @complaints/shared/workflow, types from @complaints/shared.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    // The domain package is pure code (workflows import it): Node's plumbing lives in @complaints/runtime.
    files: ['shared/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['mongoose', 'nodemailer', 'express', 'pino', 'handlebars', 'jose', '@temporalio/client', '@temporalio/worker', '@complaints/runtime'].map((name) => ({ name, message: `shared/ is pure domain code; ${name} belongs in @complaints/runtime or a service.` })),
          patterns: [{ group: ['@complaints/runtime/*', '**/runtime/*'], message: 'shared/ is pure domain code; the plumbing imports it, not the other way round.' }],
        },
      ],
    },
  },
  {
    // What @complaints/shared/workflow exports is evaluated once per workflow: no value imports at all
    // (after the block above, which this one overrides for these files with a stricter rule).
    files: ['shared/src/labels.ts', 'shared/src/clocks.ts', 'shared/src/kpi.ts', 'shared/src/loop.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['*'], message: 'A module workflows import has no value imports: import types only.', allowTypeImports: true }] }],
    },
  },
);
