import { typedDocuments } from '@facegate/client/codegen';

// The dashboard's `graphql()` documents, typed from apps/api/schema.graphql into src/generated (not
// committed; `npm run codegen`, also at install and by turbo before typecheck and build).
export default typedDocuments(['src/**/*.{ts,tsx}']);
