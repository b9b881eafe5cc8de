import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';

type Outcome = ExecutionResult | Promise<ExecutionResult>;

/**
 * Results of one event, by operation key. An event object reaches every local subscriber of its
 * topics (src/events/pg-pubsub.ts), so it is the natural scope of the memo; it is dropped with the
 * event once every subscriber has taken it.
 */
const resultsByEvent = new WeakMap<object, Map<string, Outcome>>();

/**
 * graphql-js `subscribe`, except that subscribers whose operations share a `key` execute each event
 * once between them and receive the same result. Executing per subscriber cost most of a fan-out
 * (500 subscribers of one user ran the same resolvers 500 times per event); the source stream, and
 * so the authorization of the subscription itself, stays per subscriber.
 *
 * The key must capture everything a result may depend on besides the event: the document, its
 * variables and who is asking (see `operationKey`). A null key executes per subscriber.
 */
export async function subscribeShared(
  args: ExecutionArgs,
  key: string | null,
  /** The context one event executes with, from the operation's. */
  contextFor: (contextValue: unknown) => unknown = (c) => c,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source;
  const executeEvent = (event: unknown) => execute({ ...args, rootValue: event, contextValue: contextFor(args.contextValue) });
  const run = (event: unknown): Outcome => {
    if (key === null || typeof event !== 'object' || event === null) return executeEvent(event);
    let results = resultsByEvent.get(event);
    if (!results) resultsByEvent.set(event, (results = new Map()));
    let outcome = results.get(key);
    if (outcome === undefined) {
      outcome = executeEvent(event);
      results.set(key, outcome);
    }
    return outcome;
  };
  return mapEvents(source, run);
}

/** What a subscription's results depend on besides the event: the operation and the viewer's standing. */
export function operationKey(
  query: string,
  operationName: string | null | undefined,
  variables: unknown,
  viewer: { id: string; isAdmin: boolean; roles: readonly string[] },
): string {
  return JSON.stringify([viewer.id, viewer.isAdmin, [...viewer.roles].sort(), operationName ?? null, variables ?? null, query]);
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Maps a source stream as graphql-js does. Not an async generator: a generator waiting on the
 * source would only see `return()` after the next event, so an ended subscription would stay
 * registered with the event bus until then.
 */
function mapEvents(source: AsyncIterable<unknown>, run: (event: unknown) => Outcome): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const map = async (result: IteratorResult<unknown>): Promise<IteratorResult<ExecutionResult>> => {
    if (result.done) return { value: undefined, done: true };
    try {
      return { value: await run(result.value), done: false };
    } catch (error) {
      await iterator.return?.().catch(() => undefined);
      throw error;
    }
  };
  return {
    next: async () => map(await iterator.next()),
    return: async () => (iterator.return ? map(await iterator.return()) : { value: undefined, done: true }),
    throw: async (error?: unknown) => {
      if (iterator.throw) return map(await iterator.throw(error));
      await iterator.return?.().catch(() => undefined);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
