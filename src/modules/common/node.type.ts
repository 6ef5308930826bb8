// The Relay Node interface. Ids are random UUIDs, unique across every table, so an id alone
// names one object and node(id:) finds its type by looking (see node.service.ts).
import { Field, ID, InterfaceType } from 'type-graphql';

@InterfaceType('Node', {
  description: 'An object with a globally unique id, refetchable with `node(id:)`.',
  // node(id:) tags what it returns; the typed root fields never go through the interface.
  resolveType: (value: { __typename?: string }) => value.__typename,
})
export abstract class Node {
  @Field(() => ID, { description: 'Globally unique: a UUID, stable for the life of the object.' })
  id: string;
}
