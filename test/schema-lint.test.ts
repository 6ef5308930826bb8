// graphql-eslint's schema-recommended and relay rules over the committed schema.graphql
// (config: eslint.config.mjs). A failure lists every message, rule and line.
import { ESLint } from 'eslint';
import { expect, it } from 'vitest';

it('schema.graphql passes graphql-eslint schema-recommended and relay rules', async () => {
  const eslint = new ESLint({ overrideConfigFile: 'eslint.config.mjs' });
  const [result] = await eslint.lintFiles(['schema.graphql']);
  const problems = result!.messages.map((m) => `${m.line}:${m.column} ${m.ruleId ?? 'parse'} ${m.message}`);
  expect(problems).toEqual([]);
  expect(result!.filePath.endsWith('schema.graphql')).toBe(true);
});
