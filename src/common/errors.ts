/**
 * Expected domain failures. Services throw these; src/graphql/errors.ts maps them to GraphQL
 * errors with the same stable `extensions.code`, and webhook routes map them to HTTP statuses.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYMENT_FAILED'
  /** Too many of something in a window; `retryAfter` says in how many seconds to try again. */
  | 'RATE_LIMITED';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (field: string, message: string) =>
  new DomainError('BAD_USER_INPUT', `${field}: ${message}`, { fields: [{ field, message }] });
export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string, details: Record<string, unknown> = {}) => new DomainError('CONFLICT', message, details);
export const forbidden = (message = 'You are not allowed to do this') => new DomainError('FORBIDDEN', message);
export const unauthenticated = (message = 'Sign in first') => new DomainError('UNAUTHENTICATED', message);

/** A failure a retry cannot mend (a definite refusal): a job ends with it at once, recorded. */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentError';
  }
}
