import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from '../common/errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './limits';

/**
 * Relay cursor connections, in one place: the GraphQL types, the paging arguments, opaque cursors,
 * keyset conditions for MikroORM, and building a page from `size + 1` rows in either direction.
 * Every list that pages goes through here.
 */

@ObjectType({ description: 'Where a page sits in its list (Relay cursor connections)', simpleResolvers: true })
export class PageInfo {
  @Field({ description: 'There are items after this page: ask with `first` and `after: endCursor`' })
  hasNextPage!: boolean;

  @Field({ description: 'There are items before this page: ask with `last` and `before: startCursor`' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "The first edge's cursor; null on an empty page" })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: "The last edge's cursor; null on an empty page" })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface ConnectionShape<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** Relay-style connection type for a node type: `XConnection { edges { cursor node } pageInfo }`. */
export function Connection<T extends object>(Node: ClassType<T>, name: string, what = 'items') {
  // The wrappers only carry their node and cursor; whatever guards a node is on the node's own type.
  @ObjectType(`${name}Edge`, { description: `One of the ${what} in a page, with its cursor`, simpleResolvers: true })
  class EdgeType {
    @Field({ description: 'Opaque; pass it as `after` or `before` to page from here' })
    cursor!: string;

    @Field(() => Node, { description: 'The item' })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${what}`, simpleResolvers: true })
  class ConnectionType {
    @Field(() => [EdgeType], { description: 'The items of this page, in list order' })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: 'Cursors and whether there is more either way' })
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

/** `first`/`after` for lists that only page forward. */
@ArgsType()
export class ForwardPageArgs {
  @Field(() => Int, { nullable: true, description: `How many items, from 1 to ${MAX_PAGE_SIZE}` })
  first?: number;

  @Field(() => String, { nullable: true, description: 'The items after this cursor (an `endCursor`)' })
  after?: string;
}

/** `first`/`after` forward, or `last`/`before` back. */
@ArgsType()
export class PageArgs extends ForwardPageArgs {
  @Field(() => Int, { nullable: true, description: `How many items before \`before\` (or at the end), from 1 to ${MAX_PAGE_SIZE}` })
  last?: number;

  @Field(() => String, { nullable: true, description: 'The items before this cursor (a `startCursor`)' })
  before?: string;
}

export interface PageRequest {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A checked page request: how many rows, from which cursor, and which way. */
export interface Page {
  size: number;
  /** The cursor's decoded values, or null from the start (forward) or the end (backward). */
  cursor: unknown[] | null;
  backward: boolean;
}

/** Opaque cursors: base64url of a JSON array of the sort key values. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, check: (v: unknown[]) => boolean, field = 'after'): unknown[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && check(values)) return values;
  } catch {
    /* fall through */
  }
  throw badInput(field, 'is not a valid cursor');
}

/** Cursor shapes shared by several lists. */
export const cursorShapes = {
  /** [ISO timestamp or month, uuid] */
  stringAndId: (v: unknown[]) => v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string',
};

export function pageSize(n: number | null | undefined, field = 'first', fallback = DEFAULT_PAGE_SIZE): number {
  if (n === null || n === undefined) return fallback;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw badInput(field, `must be between 1 and ${MAX_PAGE_SIZE}`);
  return n;
}

/** Checks paging arguments and decodes the cursor with `check` (which says what a valid one holds). */
export function pageRequest(req: PageRequest, check: (v: unknown[]) => boolean, fallbackSize = DEFAULT_PAGE_SIZE): Page {
  const backward = (req.last ?? null) !== null || !!req.before;
  if (backward) {
    if ((req.first ?? null) !== null)
      throw badInput('first', 'cannot be combined with last or before: page forward with first/after, back with last/before');
    if (req.after) throw badInput('after', 'cannot be combined with last or before: page forward with first/after, back with last/before');
    return {
      size: pageSize(req.last, 'last', fallbackSize),
      cursor: req.before ? decodeCursor(req.before, check, 'before') : null,
      backward,
    };
  }
  return { size: pageSize(req.first, 'first', fallbackSize), cursor: req.after ? decodeCursor(req.after, check, 'after') : null, backward };
}

export type SortKeys = readonly (readonly [field: string, direction: 'asc' | 'desc'])[];

/**
 * The rows strictly after `values` in the list order given by `keys` (strictly before them when
 * paging backward), as a MikroORM condition: (k1 > v1) or (k1 = v1 and k2 > v2) or ...
 */
export function keysetCondition(keys: SortKeys, values: readonly unknown[], backward: boolean): { $or: Record<string, unknown>[] } {
  return {
    $or: keys.map(([field, direction], i) => {
      const cond: Record<string, unknown> = {};
      for (let j = 0; j < i; j++) cond[keys[j]![0]] = values[j];
      cond[field] = { [(direction === 'asc') !== backward ? '$gt' : '$lt']: values[i] };
      return cond;
    }),
  };
}

/** The order to read rows in: the list order, or its reverse when paging backward (the page is turned back by toConnection). */
export function keysetOrder(keys: SortKeys, backward: boolean): Record<string, 'asc' | 'desc'> {
  const flip = (d: 'asc' | 'desc') => (d === 'asc' ? 'desc' : 'asc');
  return Object.fromEntries(keys.map(([field, direction]) => [field, backward ? flip(direction) : direction]));
}

/**
 * Builds a connection from up to `size + 1` rows read in keysetOrder: the extra row only says
 * there is more in the direction of reading. A cursor to start from says there is more behind it.
 */
export function toConnection<R, T>(rows: R[], page: Page, cursorOf: (row: R) => unknown[], map: (row: R) => T): ConnectionShape<T> {
  const more = rows.length > page.size;
  const slice = rows.slice(0, page.size);
  if (page.backward) slice.reverse();
  const edges = slice.map((r) => ({ cursor: encodeCursor(cursorOf(r)), node: map(r) }));
  const behind = page.cursor !== null;
  return {
    edges,
    pageInfo: {
      hasNextPage: page.backward ? behind : more,
      hasPreviousPage: page.backward ? more : behind,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** The same page with each node mapped to its GraphQL view. */
export function mapConnection<R, T>(c: ConnectionShape<R>, map: (node: R, index: number) => T): ConnectionShape<T> {
  return { pageInfo: c.pageInfo, edges: c.edges.map((e, i) => ({ cursor: e.cursor, node: map(e.node, i) })) };
}
