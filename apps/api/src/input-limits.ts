import type { GraphQLFieldResolver, GraphQLObjectType, GraphQLOutputType, GraphQLSchema } from 'graphql';
import { InvalidInputError } from './errors.ts';

/** Longest accepted value per argument or input field name; anything else: DEFAULT_MAX_LENGTH. */
export const MAX_LENGTHS: Readonly<Record<string, number>> = {
  name: 200,
  notes: 2000,
  // A webhook's URL (events-service.ts validateWebhookUrl says the same).
  url: 2000,
  cardId: 64,
  location: 200,
  search: 200,
  email: 254,
  account: 254,
  password: 256,
  currentPassword: 256,
  newPassword: 256,
  id: 64,
  personId: 64,
  doorId: 64,
  adminId: 64,
  after: 128,
  before: 128,
  kind: 64,
  // A passkey's answer (WebAuthn credential JSON): an attestation with a certificate chain runs to a few KB.
  response: 16_000,
};
export const DEFAULT_MAX_LENGTH = 256;
/** Most items in a list of strings (scopes, ids...). */
export const MAX_LIST_ITEMS = 100;

/**
 * Arguments and input fields that name something (a person, a door, a key, an account...): shown in
 * lists, logs, CSV exports and MQTT topics, so they may not hold control characters (NUL, escapes,
 * line breaks). Free text such as notes may hold line breaks.
 */
export const NAME_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'newPersonName',
  'email',
  'cardId',
  'location',
  'timeZone',
  'webhookName',
  'label',
]);
const CONTROL = /\p{Cc}/u;

/** The first control character of a name, described; or null. */
export function controlCharacterIn(field: string, value: string): string | null {
  const found = CONTROL.exec(value);
  return found
    ? `${field} holds a control character (U+${found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at position ${found.index}): not allowed in a name`
    : null;
}

/** The first string (at any depth of lists and input objects) over its limit or, in a name, with a control character, described; or null. */
function tooLong(name: string, value: unknown): string | null {
  if (typeof value === 'string') {
    const max = MAX_LENGTHS[name] ?? DEFAULT_MAX_LENGTH;
    if (value.length > max) return `${name} has ${value.length} characters, more than the limit of ${max}`;
    return NAME_FIELDS.has(name) ? controlCharacterIn(name, value) : null;
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_LIST_ITEMS && value.every((v) => typeof v === 'string'))
      return `${name} has ${value.length} items, more than the limit of ${MAX_LIST_ITEMS}`;
    for (const item of value) {
      const problem = tooLong(name, item);
      if (problem) return problem;
    }
    return null;
  }
  // graphql-js builds input objects without a prototype.
  const proto: unknown = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto === null || proto === Object.prototype) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      const problem = tooLong(key, inner);
      if (problem) return problem;
    }
  }
  return null; // numbers, booleans, files, dates
}

/**
 * True when the field's result type is a (non-null) union with InvalidInputError: it can answer the
 * error as a result. Duck-typed: graphql's CommonJS and ESM builds may both be loaded.
 */
function answersInvalidInput(type: GraphQLOutputType): boolean {
  const named = 'ofType' in type && String(type).endsWith('!') ? type.ofType : type;
  return typeof named === 'object' && named !== null && 'getTypes' in named && named.getTypes().some((t) => t.name === 'InvalidInputError');
}

const limited = new WeakSet<GraphQLSchema>();

/**
 * Every string argument of every field, at any depth of input objects, is checked against its length
 * limit before the resolver runs: over it, the answer is INVALID_INPUT (a typed result where the field's
 * union has InvalidInputError, else a GraphQL error with that code), and nothing is stored or compared.
 */
export function limitInputLengths(schema: GraphQLSchema): GraphQLSchema {
  if (limited.has(schema)) return schema;
  limited.add(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    // By constructor name: graphql's CommonJS and ESM builds may both be loaded.
    if (type.name.startsWith('__') || type.constructor.name !== 'GraphQLObjectType') continue;
    for (const field of Object.values((type as GraphQLObjectType).getFields())) {
      if (field.args.length === 0) continue;
      const check = (args: Record<string, unknown>) => {
        for (const [name, value] of Object.entries(args)) {
          const problem = tooLong(name, value);
          if (problem) return new InvalidInputError(problem);
        }
        return null;
      };
      const asResult = answersInvalidInput(field.type);
      const resolve = field.resolve as GraphQLFieldResolver<unknown, unknown> | undefined;
      if (resolve) {
        field.resolve = (source, args, context, info) => {
          const error = check(args as Record<string, unknown>);
          if (error) {
            if (asResult) return error;
            throw error;
          }
          return resolve(source, args, context, info);
        };
      }
      const subscribe = field.subscribe as GraphQLFieldResolver<unknown, unknown> | undefined;
      if (subscribe) {
        field.subscribe = (source, args, context, info) => {
          const error = check(args as Record<string, unknown>);
          if (error) throw error;
          return subscribe(source, args, context, info);
        };
      }
    }
  }
  return schema;
}
