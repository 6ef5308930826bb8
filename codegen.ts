// GraphQL Code Generator: schema.graphql + client/operations/*.graphql -> client/generated/.
// The tests, the web app (web/) and the CLI (src/cli/) use these typed documents; run `npm run codegen` after changing an operation.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['client/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'client/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        // Imports with .js extensions, so the client compiles under NodeNext (the project's tsc) too.
        emitLegacyCommonJSImports: false,
        enumsAsTypes: true,
        scalars: { DateTimeISO: 'string', ID: 'string' },
      },
    },
  },
};

export default config;
