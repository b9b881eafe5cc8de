import { ClassType, Field, ObjectType } from 'type-graphql';
import { badInput } from '../common/errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './limits';

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
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
export function Connection<T extends object>(Node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field()
    cursor!: string;

    @Field(() => Node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType;
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

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw badInput('first', `must be between 1 and ${MAX_PAGE_SIZE}`);
  return first;
}

/** Builds a connection from `size + 1` fetched rows: the extra row only says there is a next page. */
export function toConnection<R, T>(rows: R[], size: number, cursorOf: (row: R) => unknown[], map: (row: R) => T): ConnectionShape<T> {
  const page = rows.slice(0, size);
  const edges = page.map((r) => ({ cursor: encodeCursor(cursorOf(r)), node: map(r) }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}
