import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { Scope } from './auth/api-keys.ts';
import { can } from './auth/viewer.ts';
import type { Context } from './context.ts';
import { UnauthorizedError } from './errors.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: { scope: Scope; signedIn: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    File: { Input: File; Output: never };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // A caller without the scope is refused when it subscribes, not at the first event it would see.
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      scope: (scope: Scope) => can(context.viewer, scope),
      signedIn: context.viewer.kind !== 'anonymous',
    }),
    unauthorizedError: () => new UnauthorizedError(),
  },
  errors: { defaultTypes: [] },
  relay: { clientMutationId: 'omit', cursorType: 'String' },
});
