import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The typed client for frontends (`npm run client:build`): graphql-codegen's client preset over the
 * committed schema.graphql and the operations in client/operations. Documents are emitted as typed
 * strings, so the package needs no GraphQL runtime: send them with fetch, graphql-ws or any client.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['client/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'client/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        scalars: { DateTimeISO: 'string', ID: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: false,
      },
    },
  },
};

export default config;
