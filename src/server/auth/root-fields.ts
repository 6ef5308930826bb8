// The root fields of an operation, with the fragments at its root expanded (inline fragments and
// named ones, nested), so that what is charged and counted is what runs. @skip/@include are not
// evaluated: a field that a directive may skip is still counted.
import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export function rootFields(document: DocumentNode, op: OperationDefinitionNode): FieldNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const fields: FieldNode[] = [];
  const seen = new Set<string>();
  const collect = (set: SelectionSetNode): void => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) fields.push(sel);
      else if (sel.kind === Kind.INLINE_FRAGMENT) collect(sel.selectionSet);
      else if (!seen.has(sel.name.value)) {
        // A named fragment counts once per operation (graphql-js merges repeated spreads too).
        seen.add(sel.name.value);
        const fragment = fragments.get(sel.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  collect(op.selectionSet);
  return fields;
}

/** The schema fields an operation runs, introspection left out. */
export function rootFieldNames(document: DocumentNode, op: OperationDefinitionNode): string[] {
  return rootFields(document, op).map((f) => f.name.value).filter((n) => !n.startsWith('__'));
}
