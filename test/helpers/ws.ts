import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Subscription<T> {
  events: T[];
  errors: unknown[];
  /** Resolves once `count` events have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  close(): Promise<void>;
}

/** Subscribes over graphql-ws as a frontend would: the token in connectionParams.authorization. */
export function subscribe<R, V>(baseUrl: string, token: string | undefined, doc: TypedDocumentNode<R, V>, variables?: V): Subscription<R> {
  const client: Client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
  });
  const events: R[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  client.subscribe<R>(
    { query: print(doc), variables: variables as Record<string, unknown> | undefined },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) events.push(value.data as R);
        wake();
      },
      error: (err) => {
        errors.push(err);
        wake();
      },
      complete: () => wake(),
    },
  );
  return {
    events,
    errors,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        if (errors.length) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} events, got ${events.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return events;
    },
    close: () => client.dispose() as Promise<void>,
  };
}
