import {
  GraphQLError,
  Kind,
  getOperationAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * What a field costs, per item: plain values cost nothing (they come with their row), every object
 * (a row, or a resolver call) costs 1, and the fields that do real work cost more. Lists multiply the
 * cost of their items by their `first`/`last` (literal or variable) or their default page size.
 */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  /** An aggregate over the whole audit table per call. */
  stats: 250,
  /** A JPEG per item. */
  thumbnail: 2,
  /** A sample's enrolment photo, downscaled to 640 px: several thumbnails' worth of bytes. */
  original: 8,
  encoding: 1,
  /** Face work (rate-limited too). */
  verifyFace: 50,
  identifyFace: 50,
  enrollFaces: 50,
  /** argon2 per call: at most 50 in one request. */
  login: 100,
  changePassword: 100,
  createAdmin: 100,
};

/**
 * Introspection, priced whole: one `__schema` read answers the full schema (GraphiQL's query, about
 * 200 KB), so a request holds at most two under the default limit; `__type` describes one type.
 */
export const INTROSPECTION_COSTS = { __schema: 2000, __type: 50 } as const;

/** Items assumed for a list that names no `first`/`last`: the connections' default page size. */
const DEFAULT_PAGE = 50;
/** The most items a connection returns, whatever `first` asks (the resolvers' maxSize). */
const MAX_PAGE = 500;

interface Walk {
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: Readonly<Record<string, unknown>>;
}

function intArgument(value: ValueNode, variables: Readonly<Record<string, unknown>>): number | undefined {
  if (value.kind === Kind.INT) return Number.parseInt(value.value, 10);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === 'number' ? v : undefined;
  }
  return undefined;
}

function selectionCost(set: SelectionSetNode, walk: Walk, seen: ReadonlySet<string>): number {
  let total = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      total += selectionCost(selection.selectionSet, walk, seen);
    } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      if (fragment && !seen.has(name)) total += selectionCost(fragment.selectionSet, walk, new Set([...seen, name]));
    } else {
      const name = selection.name.value;
      if (name === '__typename') continue;
      // Introspection is priced like any query: the whole schema's description at once, whatever is selected.
      if (name === '__schema' || name === '__type') {
        total += INTROSPECTION_COSTS[name];
        continue;
      }
      const own = FIELD_COSTS[name] ?? (selection.selectionSet ? 1 : 0);
      let items = 1;
      const page = selection.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
      if (page) items = Math.min(MAX_PAGE, Math.max(0, intArgument(page.value, walk.variables) ?? DEFAULT_PAGE));
      else if (name === 'edges' || name === 'nodes') items = 1; // counted on the connection
      const children = selection.selectionSet ? selectionCost(selection.selectionSet, walk, seen) : 0;
      total += own + items * children;
    }
  }
  return total;
}

/** The cost of the operation that will run, with its variables. */
export function queryCost(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> = {},
): number {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return 0;
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  return selectionCost(operation.selectionSet, { fragments, variables }, new Set());
}

/**
 * Refuses operations whose cost is over `maxCost` before they run (code QUERY_TOO_COSTLY): 999 aliases
 * of `stats` are refused, a page of 500 audit events is not. Checked at execution, so variables count.
 */
export function queryCostLimit(maxCost: number): Plugin {
  const check = (
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Readonly<Record<string, unknown>> | null | undefined,
  ) => {
    const cost = queryCost(document, operationName, variables ?? {});
    return cost > maxCost
      ? new GraphQLError(`this query costs ${cost}, more than the limit of ${maxCost}: ask for fewer items or fewer expensive fields`, {
          extensions: { code: 'QUERY_TOO_COSTLY' },
        })
      : null;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args.document, args.operationName, args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args.document, args.operationName, args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
