import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  parse,
  type ASTVisitor,
  type DocumentNode,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Config } from '../config';
import { operationLimits } from './limits';

type Limits = Config['graphql'];

/**
 * graphql-armor reports with messages that start "Syntax Error:" and no code, and by throwing out
 * of `validate` (which Apollo does not catch). Report through the context instead, with the same
 * code as our own limits.
 */
function armored(
  limit: string,
  make: (onReject: (ctx: ValidationContext | null, err: GraphQLError) => void) => ValidationRule,
): ValidationRule {
  return (context) =>
    make((ctx, err) => {
      const message = err.message.replace(/^Syntax Error:\s*/, '');
      (ctx ?? context).reportError(new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit } }));
    })(context) as unknown as ASTVisitor;
}

/**
 * Every limit on an operation's shape, for Apollo's `validationRules` and for graphql-ws's
 * `onSubscribe` alike: depth and cost (our own, memoised per fragment, so linear in the
 * document), aliases and directives (graphql-armor, also memoised per fragment). The token limit
 * is applied while parsing, see `parseOptions`.
 */
export function operationRules(limits: Limits): ValidationRule[] {
  return [
    operationLimits(limits.maxDepth, limits.maxCost),
    armored('aliases', (onReject) => maxAliasesRule({ n: limits.maxAliases, onReject: [onReject], propagateOnRejection: false })),
    armored('directives', (onReject) => maxDirectivesRule({ n: limits.maxDirectives, onReject: [onReject], propagateOnRejection: false })),
  ];
}

/** graphql-js stops lexing past `maxTokens`, so nesting deep enough to overflow its recursive parser never gets parsed. */
export function parseOptions(limits: Limits): ParseOptions {
  return { maxTokens: limits.maxTokens };
}

/**
 * Parses as Apollo does over HTTP: any failure, a stack overflow included, is the client's
 * document's fault and answers GRAPHQL_PARSE_FAILED rather than closing the socket.
 */
export function parseDocument(query: unknown, limits: Limits): DocumentNode | GraphQLError {
  if (typeof query !== 'string') return new GraphQLError('The query must be a string', { extensions: { code: 'BAD_REQUEST' } });
  try {
    return parse(query, parseOptions(limits));
  } catch (err) {
    const message = err instanceof GraphQLError ? err.message : 'Syntax Error: the document could not be parsed';
    return new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  }
}

/**
 * Errors graphql-js raises while coercing variables (Apollo answers them BAD_USER_INPUT over HTTP;
 * graphql-ws passes them on without a code). Same test as Apollo's requestPipeline.
 */
export function isVariableError(error: GraphQLError): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return false;
  const name = node.variable.name.value;
  return ['has invalid value', 'got invalid value ', 'of required type ', 'of non-null type '].some((s) =>
    error.message.startsWith(`Variable "$${name}" ${s}`),
  );
}

const SUGGESTION = / ?Did you mean(.+?)\?$/;

/** "Did you mean ...?" names fields and values that production's closed introspection hides. */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/** Drops suggestions from a formatted error, in place: its message and, for BAD_USER_INPUT, each field's. */
export function stripSuggestions<E extends { message: string; extensions?: Record<string, unknown> }>(error: E): E {
  error.message = withoutSuggestions(error.message);
  const fields = error.extensions?.fields;
  if (Array.isArray(fields)) {
    for (const f of fields as { message?: unknown }[]) if (typeof f.message === 'string') f.message = withoutSuggestions(f.message);
  }
  return error;
}

/**
 * Apollo's `hideSchemaDetailsFromClientErrors` strips suggestions from validation errors only;
 * variable coercion errors ("Value "X" does not exist in "Status" enum. Did you mean ...?") come
 * later, so every error of the response is stripped here as well.
 */
export const hideSuggestionsPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        for (const error of response.body.singleResult.errors ?? []) {
          stripSuggestions(error as { message: string; extensions?: Record<string, unknown> });
        }
      },
    };
  },
};
