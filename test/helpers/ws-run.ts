import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export interface WsConnection {
  client: Client;
  /** Close codes seen by the client, in order. */
  closes: { code: number; reason: string }[];
  /** One operation: its last result, or the errors (or close event) that ended it. */
  run(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ result?: FormattedExecutionResult<Record<string, unknown>, unknown>; errors?: any }>;
  dispose(): Promise<void>;
}

/** A graphql-ws connection the way a browser opens one, for tests that look at single operations. */
export function wsConnect(baseUrl: string, token: string | undefined): WsConnection {
  const closes: { code: number; reason: string }[] = [];
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    // One socket for the whole test, so a later operation shows whether the socket survived an earlier one.
    lazyCloseTimeout: 2000,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: { closed: (e) => void closes.push(e as { code: number; reason: string }) },
  });
  return {
    client,
    closes,
    run(query, variables) {
      return new Promise((resolve) => {
        let result: FormattedExecutionResult<Record<string, unknown>, unknown> | undefined;
        client.subscribe(
          { query, variables },
          {
            next: (value) => void (result = value),
            error: (errors) => resolve({ errors }),
            complete: () => resolve({ result }),
          },
        );
      });
    },
    dispose: async () => {
      await client.dispose();
    },
  };
}
