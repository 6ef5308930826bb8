// Lints the emitted schema (schema.graphql) with graphql-eslint's schema-recommended and relay
// rules; test/schema-lint.test.ts runs it through ESLint's Node API.
import graphql from '@graphql-eslint/eslint-plugin';

const { EnumValueDefinition: _upperCase, ...naming } = graphql.configs['flat/schema-recommended'].rules['@graphql-eslint/naming-convention'][1];

export default [
  {
    files: ['schema.graphql'],
    languageOptions: { parser: graphql.parser, parserOptions: { graphQLConfig: { schema: 'schema.graphql' } } },
    plugins: { '@graphql-eslint': graphql },
    rules: {
      ...graphql.configs['flat/schema-recommended'].rules,
      ...graphql.configs['flat/schema-relay'].rules,
      // Stricter than recommended: every field, argument, input field and enum value, not only types.
      // Values without an identity of their own (they live inside an entity or a response), and
      // Model, whose identity is its folder name in the model repository, not a database row.
      '@graphql-eslint/strict-id-in-types': ['error', {
        exceptions: {
          suffixes: ['Payload', 'Connection', 'Edge', 'Timings', 'Health'],
          types: ['CocoRle', 'FrameMasks', 'Health', 'JobError', 'Mask', 'Model', 'ModelCapabilities', 'ObjectMask', 'PageInfo', 'PhraseResult', 'SegmentedObject', 'SessionEvent', 'TrackedObject'],
        },
      }],
      // Small bounded lists (scopes, models, a frame's masks, RLE counts) are plain lists by design, not connections.
      '@graphql-eslint/relay-edge-types': ['error', { withEdgeSuffix: true, shouldImplementNode: true, listTypeCanWrapOnlyEdgeType: false }],
      // ApiScope's values are the scope names of keys, JWT claims and the CLI (read, write, admin); renaming them would break every client.
      '@graphql-eslint/naming-convention': ['error', { ...naming, 'EnumValueDefinition[parent.name.value!=ApiScope]': 'UPPER_CASE' }],
      '@graphql-eslint/require-description': ['error', { types: true, rootField: true, FieldDefinition: true, InputValueDefinition: true, EnumValueDefinition: true, DirectiveDefinition: true }],
    },
  },
];
