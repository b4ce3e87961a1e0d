import { GraphQLError, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from './context.ts';

/** Whether a selection (through its fragments, at any depth) reads the schema: `__schema` or `__type`. */
function readsSchema(set: SelectionSetNode, document: DocumentNode, seen: Set<string>): boolean {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === '__schema' || selection.name.value === '__type') return true;
      if (selection.selectionSet && readsSchema(selection.selectionSet, document, seen)) return true;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (readsSchema(selection.selectionSet, document, seen)) return true;
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      if (fragment && fragment.kind === Kind.FRAGMENT_DEFINITION && readsSchema(fragment.selectionSet, document, seen)) return true;
    }
  }
  return false;
}

/** Whether any operation of the document reads the schema. */
export function isIntrospection(document: DocumentNode): boolean {
  return document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && readsSchema(d.selectionSet, document, new Set()));
}

/**
 * Introspection for signed-in callers (an administrator's session or an API key) only, unless
 * `openToAnonymous` (development, where GraphiQL runs): an anonymous caller in production learns
 * nothing of the schema. `__typename` stays open. Checked before execution, like the cost limit.
 */
export function introspectionForSignedIn(openToAnonymous: boolean): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (openToAnonymous || args.contextValue.viewer.kind !== 'anonymous' || !isIntrospection(args.document)) return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError('introspection needs a signed-in caller (an administrator or an API key)', {
            extensions: { code: 'UNAUTHORIZED' },
          }),
        ],
      });
    },
  };
}
