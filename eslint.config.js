// ESLint flat config: typescript-eslint's recommended rules, and the house rule that keeps
// SDKs, the Kubernetes client and process.env out of the pure folders (STYLE.md, habit 1).
import tseslint from 'typescript-eslint';

const pureFolders = ['lib/spec/**', 'lib/restore/**', 'lib/backup/**', 'lib/catalog/**', 'lib/store/layout*.ts',
  'lib/store/archive/**', 'lib/store/manifest*.ts', 'lib/model/**'];

export default tseslint.config(
  // Build outputs and run state (all git-ignored) are not ours to lint.
  { ignores: ['node_modules/**', 'dist/**', '.serverless/**', '.serverless-offline/**', '.esbuild/**', '.stack/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: pureFolders,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@aws-sdk/*', '@smithy/*'], message: 'Pure code must not import the AWS SDK: take a port instead.' },
          { group: ['@kubernetes/client-node'], message: 'Pure code must not import the Kubernetes client: take a port instead.' },
        ],
      }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Pure code takes configuration as arguments, not from process.env.' }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pure code takes a clock as an argument.' }],
    },
  },
);
