// Lint rules that keep DESIGN.md's boundaries: engine/ and db/ never import electron or the
// renderer's libraries (nor touch the DOM), engine/ never imports better-sqlite3, and the
// renderer reaches the engine only through engine/api and domain types.
import tseslint from 'typescript-eslint';

const rendererLibs = ['react', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', 'lightweight-charts'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'release/**', 'test-results/**', 'playwright-report/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['engine/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'engine/ is pure TypeScript: no electron.' },
            { name: 'better-sqlite3', message: 'engine/ reaches storage only through its Store port (db/).' },
          ],
          patterns: [
            { group: rendererLibs, message: 'engine/ must not import renderer libraries.' },
            { group: ['**/db/**', '**/electron/**', '**/renderer/**'], message: 'engine/ imports nothing of ours outside engine/.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'localStorage', 'navigator'],
    },
  },
  {
    files: ['db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'db/ is pure Node: no electron.' }],
          patterns: [
            { group: rendererLibs, message: 'db/ must not import renderer libraries.' },
            { group: ['**/electron/**', '**/renderer/**'], message: 'db/ depends on engine/ types and ports only.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'localStorage', 'navigator'],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'the renderer talks only through the typed API.' },
            { name: 'better-sqlite3', message: 'the renderer talks only through the typed API.' },
          ],
          patterns: [
            { group: ['**/db/**', '**/electron/**'], message: 'the renderer talks only through the typed API (engine/api).' },
            { group: ['node:*'], message: 'the renderer runs in a sandboxed page: no Node modules.' },
          ],
        },
      ],
    },
  },
);
