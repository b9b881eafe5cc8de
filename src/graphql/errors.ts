import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ArgumentValidationError } from 'type-graphql';
import type { ValidationError } from 'class-validator';
import { DomainError } from '../common/errors';

const PASS_THROUGH = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'PAYMENT_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * What is wrong with one input: `field` is an argument name (`id`, `after`) or a field of an input
 * object, as a path inside it (`languages`, `durationMinutes`); the same whichever check refused it.
 */
export interface FieldError {
  field: string;
  message: string;
}

function flattenValidation(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, message: Object.values(e.constraints).join('; ') }] : [];
    return [...own, ...flattenValidation(e.children ?? [], field)];
  });
}

/** graphql-js's variable errors name the variable and the path inside it (from the variable's own name, which the client chose). */
function variableFields(message: string): FieldError[] {
  const at = /^Variable "\$(\w+)" got invalid value .*? at "[^".[]+\.?([^"]*)"; (.*)$/s.exec(message);
  if (at) return [{ field: at[2] || at[1]!, message: at[3]! }];
  const whole = /^Variable "\$(\w+)" (.*)$/s.exec(message);
  if (whole) return [{ field: whole[1]!, message: whole[2]! }];
  return [];
}

/** BAD_USER_INPUT always carries `fields`; a domain error's single `field` becomes one of them. */
function domainExtensions(error: DomainError): Record<string, unknown> {
  const { field, ...details } = error.details as { field?: unknown } & Record<string, unknown>;
  if (error.code !== 'BAD_USER_INPUT') return { code: error.code, ...error.details };
  const fields = Array.isArray(details.fields)
    ? details.fields
    : typeof field === 'string'
      ? [{ field, message: error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message }]
      : [];
  return { code: error.code, ...details, fields };
}

/** Apollo's own and internal keys that a client must not see. */
const HIDDEN_EXTENSIONS = new Set(['stacktrace', 'exception', 'http']);

/**
 * The one place where errors become what a client sees. Domain errors and GraphQL's own request
 * errors keep their message and stable code; anything else reaches the client as
 * INTERNAL_SERVER_ERROR with no SQL, stack or secret (the server logs it with the request id).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const path = formatted.path;
  if (original instanceof DomainError) {
    return { message: original.message, path, locations: formatted.locations, extensions: domainExtensions(original) };
  }
  if (original instanceof ArgumentValidationError) {
    const fields = flattenValidation((original.extensions.validationErrors ?? []) as ValidationError[]);
    const message = fields.length ? `Invalid input: ${fields.map((f) => `${f.field} (${f.message})`).join(', ')}` : 'Invalid input';
    return { message, path, locations: formatted.locations, extensions: { code: 'BAD_USER_INPUT', fields } };
  }
  const code = formatted.extensions?.code;
  if (code === 'UNAUTHORIZED') {
    return { message: formatted.message, path, locations: formatted.locations, extensions: { code: 'FORBIDDEN' } };
  }
  if (code === 'BAD_USER_INPUT' || (original instanceof GraphQLError && !original.originalError && !code)) {
    // graphql-js's own errors for bad variables or arguments come without a code, or Apollo's BAD_USER_INPUT.
    return {
      message: formatted.message,
      path,
      locations: formatted.locations,
      extensions: { code: 'BAD_USER_INPUT', fields: variableFields(formatted.message) },
    };
  }
  if (code === 'RATE_LIMITED') {
    return { message: formatted.message, path, extensions: { code, retryAfter: formatted.extensions?.retryAfter } };
  }
  if (typeof code === 'string' && PASS_THROUGH.has(code)) {
    // Details such as a refused query's limit, depth and cost stay; Apollo's internals do not.
    const extensions = Object.fromEntries(Object.entries(formatted.extensions ?? {}).filter(([k]) => !HIDDEN_EXTENSIONS.has(k)));
    return { message: formatted.message, path, locations: formatted.locations, extensions: { ...extensions, code } };
  }
  return { message: 'Internal server error', path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/**
 * The rule for queries that look one thing up by id (advisor, consultation, adminAdvisor,
 * adminPayout): null when it does not exist or the viewer may not see it, so a client handles
 * one case and learns nothing about ids that are not theirs. A malformed id is still
 * BAD_USER_INPUT, a missing token UNAUTHENTICATED; mutations on an unknown id answer NOT_FOUND.
 */
export async function nullIfNotFound<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof DomainError && err.code === 'NOT_FOUND') return null;
    throw err;
  }
}
