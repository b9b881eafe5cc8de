/**
 * A piece of SQL with its `?` parameters, in order: an expression, a condition or CTEs that a
 * statement splices in, so that what a change writes goes in the statement that makes the change.
 */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}
