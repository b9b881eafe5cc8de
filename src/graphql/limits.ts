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

function measure(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen: Set<string>): Measure {
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
      const inner = measure(sel.selectionSet, fragments, seen);
      const size = pageSize(sel);
      // A paginated field repeats its children once per item; the connection's own wrapper
      // (edges/node) adds depth but should not multiply twice, so only the argument-bearing field multiplies.
      cost += 1 + inner.cost * (size ?? 1);
      depth = Math.max(depth, 1 + inner.depth);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      const inner = measure(sel.selectionSet, fragments, seen);
      cost += inner.cost;
      depth = Math.max(depth, inner.depth);
    } else {
      const name = sel.name.value;
      const frag = fragments[name];
      if (!frag || seen.has(name)) continue; // cycles are reported by graphql's own rules
      seen.add(name);
      const inner = measure(frag.selectionSet, fragments, seen);
      seen.delete(name);
      cost += inner.cost;
      depth = Math.max(depth, inner.depth);
    }
  }
  return { depth, cost };
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
    return {
      OperationDefinition(op) {
        const { depth, cost } = measure(op.selectionSet, fragments, new Set());
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
