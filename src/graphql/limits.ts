import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/** Page size assumed for a list argument given as a variable (validation runs before variables are known). */
export const MAX_PAGE_SIZE = 100;
/** Page size when `first` is not given. */
export const DEFAULT_PAGE_SIZE = 20;

interface Measure {
  depth: number;
  cost: number;
}

function pageSize(field: FieldNode): number | null {
  const arg = field.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last' || a.name.value === 'limit');
  if (!arg) return null;
  if (arg.value.kind === Kind.INT) return Math.max(1, Math.min(Number(arg.value.value), MAX_PAGE_SIZE));
  return MAX_PAGE_SIZE;
}

/**
 * Depth and cost of a selection set. Each fragment is measured once per document and remembered:
 * walking every spread again is exponential (ten spreads over eight levels is 10^8 walks from a
 * 757-byte document), with the memo it is linear in the document.
 */
function measure(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, memo: Map<string, Measure | null>): Measure {
  let depth = 0;
  let cost = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      if (!sel.selectionSet) {
        cost += 1;
        depth = Math.max(depth, 1);
        continue;
      }
      const inner = measure(sel.selectionSet, fragments, memo);
      const size = pageSize(sel);
      // A paginated field repeats its children once per item; the connection's own wrapper
      // (edges/node) adds depth but should not multiply twice, so only the argument-bearing field multiplies.
      cost += 1 + inner.cost * (size ?? 1);
      depth = Math.max(depth, 1 + inner.depth);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      const inner = measure(sel.selectionSet, fragments, memo);
      cost += inner.cost;
      depth = Math.max(depth, inner.depth);
    } else {
      const inner = measureFragment(sel.name.value, fragments, memo);
      cost += inner.cost;
      depth = Math.max(depth, inner.depth);
    }
  }
  return { depth, cost };
}

const NOTHING: Measure = { depth: 0, cost: 0 };

function measureFragment(name: string, fragments: Record<string, FragmentDefinitionNode>, memo: Map<string, Measure | null>): Measure {
  const known = memo.get(name);
  if (known) return known;
  const frag = fragments[name];
  // null marks a fragment being measured: a cycle, which graphql's own NoFragmentCycles rule reports.
  if (!frag || known === null) return NOTHING;
  memo.set(name, null);
  const result = measure(frag.selectionSet, fragments, memo);
  memo.set(name, result);
  return result;
}

/**
 * Refuses operations nested deeper than `maxDepth` fields or whose estimated cost (one per field,
 * multiplied by the page size of paginated fields) exceeds `maxCost`. Used for HTTP and for
 * graphql-ws alike, since Apollo's validation rules do not run for WebSocket operations.
 */
export function operationLimits(maxDepth: number, maxCost: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const doc = context.getDocument();
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
    const memo = new Map<string, Measure | null>();
    return {
      OperationDefinition(op) {
        const { depth, cost } = measure(op.selectionSet, fragments, memo);
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Query is nested ${depth} levels deep; the limit is ${maxDepth}`, {
              nodes: [op],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth', depth, maxDepth },
            }),
          );
        }
        if (cost > maxCost) {
          context.reportError(
            new GraphQLError(`Query cost ${cost} exceeds the limit of ${maxCost}`, {
              nodes: [op],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost', cost, maxCost },
            }),
          );
        }
      },
    };
  };
}
