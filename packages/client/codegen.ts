import type { CodegenConfig } from '@graphql-codegen/cli';

// Types come from the API's printed schema, which other work changes often: `npm run codegen`
// (also run at install and by turbo before typecheck) rewrites src/generated, which is not committed.
const config: CodegenConfig = {
  schema: '../../apps/api/schema.graphql',
  documents: ['src/**/*.ts', '!src/generated/**'],
  ignoreNoDocuments: false,
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
  emitLegacyCommonJSImports: false,
};

export default config;
