import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the `graphql()` strings in `documents`, written to src/generated of the package
 * that runs it (this one, and the dashboard's codegen.ts with its own documents).
 * Types come from the API's printed schema, which other work changes often: `npm run codegen`
 * (also run at install and by turbo before typecheck) rewrites src/generated, which is not committed.
 */
export function typedDocuments(documents: string[]): CodegenConfig {
  return {
    schema: '../../apps/api/schema.graphql',
    documents: [...documents, '!src/generated/**'],
    ignoreNoDocuments: false,
    // Only `graphql(...)` calls are documents (not the dashboard's hand-written `gql(...)` strings).
    pluckConfig: { globalGqlIdentifierName: 'graphql' },
    generates: {
      'src/generated/': {
        preset: 'client',
        presetConfig: { fragmentMasking: false },
        config: {
          // Documents as strings: the client sends them over fetch and needs no graphql runtime.
          documentMode: 'string',
          enumsAsTypes: true,
          useTypeImports: true,
          strictScalars: true,
          scalars: { DateTime: 'string', File: 'Blob' },
        },
      },
    },
    // '.ts' like the rest of the source: Next's bundler does not map '.js' to '.ts' for these files.
    importExtension: '.ts',
  };
}

export default typedDocuments(['src/**/*.ts']);
