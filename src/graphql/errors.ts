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

function flattenValidation(errors: ValidationError[], prefix = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flattenValidation(e.children ?? [], field)];
  });
}

/**
 * The one place where errors become what a client sees. Domain errors and GraphQL's own request
 * errors keep their message and stable code; anything else reaches the client as
 * INTERNAL_SERVER_ERROR with no SQL, stack or secret (the server logs it with the request id).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const path = formatted.path;
  if (original instanceof DomainError) {
    return { message: original.message, path, locations: formatted.locations, extensions: { code: original.code, ...original.details } };
  }
  if (original instanceof ArgumentValidationError) {
    const fields = flattenValidation((original.extensions.validationErrors ?? []) as ValidationError[]);
    const message = fields.length
      ? `Invalid input: ${fields.map((f) => `${f.field} (${f.messages.join('; ')})`).join(', ')}`
      : 'Invalid input';
    return { message, path, locations: formatted.locations, extensions: { code: 'BAD_USER_INPUT', fields } };
  }
  const code = formatted.extensions?.code;
  if (code === 'UNAUTHORIZED') {
    return { message: formatted.message, path, locations: formatted.locations, extensions: { code: 'FORBIDDEN' } };
  }
  if (code === 'RATE_LIMITED') {
    return { message: formatted.message, path, extensions: { code, retryAfter: formatted.extensions?.retryAfter } };
  }
  if (typeof code === 'string' && PASS_THROUGH.has(code)) {
    return { message: formatted.message, path, locations: formatted.locations, extensions: { code } };
  }
  // graphql-js's own errors for bad variables or arguments come without a code.
  if (original instanceof GraphQLError && !original.originalError && !code) {
    return { message: formatted.message, path, locations: formatted.locations, extensions: { code: 'BAD_USER_INPUT' } };
  }
  return { message: 'Internal server error', path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
