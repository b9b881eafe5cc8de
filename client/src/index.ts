/**
 * The typed client for the advisor network API. Every operation of client/operations is exported
 * as a typed document (`SearchAdvisorsDocument`, ...) with its result and variables types
 * (`SearchAdvisorsQuery`, `SearchAdvisorsQueryVariables`); `createClient` sends them with fetch.
 * For the live status subscription, hand `String(ConsultationStatusChangedDocument)` to graphql-ws.
 */
import type { TypedDocumentString } from './gql/graphql';

export * from './gql/graphql';

/** One GraphQL error as the API sends it; `extensions.code` is stable (BAD_USER_INPUT, NOT_FOUND, ...). */
export interface ApiError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; fields?: { field: string; message: string }[]; [key: string]: unknown };
}

/** Thrown by `request` when the API answers with errors (or without data). */
export class ApiRequestError extends Error {
  constructor(
    readonly errors: ApiError[],
    readonly status: number,
  ) {
    super(errors.map((e) => e.message).join('; ') || `HTTP ${status}`);
    this.name = 'ApiRequestError';
  }

  /** The first error's code, e.g. `CONFLICT` when a slot was taken. */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

export interface ClientOptions {
  /** The GraphQL endpoint, e.g. https://api.example.com/graphql */
  url: string;
  /** Read before every request, so a refreshed token is used as soon as it exists. */
  token?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Another fetch (tests, server-side rendering); the global one by default. */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

type VariablesArg<V> = Record<string, never> extends V ? [variables?: V] : [variables: V];

export interface Client {
  /** Runs a query or mutation; resolves with its data, rejects with ApiRequestError. */
  request<R, V>(document: TypedDocumentString<R, V>, ...variables: VariablesArg<V>): Promise<R>;
}

export function createClient(options: ClientOptions): Client {
  const doFetch = options.fetch ?? fetch;
  return {
    async request(document, ...[variables]) {
      const token = await options.token?.();
      const res = await doFetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
      });
      const body = (await res.json().catch(() => null)) as { data?: unknown; errors?: ApiError[] } | null;
      if (!body || body.errors?.length || body.data == null) {
        throw new ApiRequestError(body?.errors ?? [{ message: `HTTP ${res.status}` }], res.status);
      }
      return body.data as never;
    },
  };
}
