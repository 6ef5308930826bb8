// Relay-style connections (first/after, edges, pageInfo, totalCount), one generic for every list.
import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { IsOptional, Max, Min } from 'class-validator';

@ObjectType({ description: 'Where a page of a connection lies in the whole list (Relay cursor connections).' })
export class PageInfo {
  @Field({ description: 'When paging forward: whether items follow this page. When paging backward (`before`): true.' }) hasNextPage: boolean;
  @Field({ description: 'When paging backward: whether items precede this page. When paging forward (`after`): true.' }) hasPreviousPage: boolean;
  @Field(() => String, { nullable: true, description: 'The cursor of the first edge; pass it as `before` for the previous page. Null on an empty page.' }) startCursor: string | null;
  @Field(() => String, { nullable: true, description: 'The cursor of the last edge; pass it as `after` for the next page. Null on an empty page.' }) endCursor: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: 'Returns the first n items (0 to 100) after `after`. Default 20 when neither `first` nor `last` is given.' })
  @IsOptional()
  @Min(0)
  @Max(100)
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Returns items after this cursor (a `pageInfo.endCursor` or an edge `cursor`).' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: 'Returns the last n items (0 to 100) before `before`, still oldest first. Not together with `first`.' })
  @IsOptional()
  @Min(0)
  @Max(100)
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'Returns items before this cursor (a `pageInfo.startCursor` or an edge `cursor`).' })
  before?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number;
}

export function ConnectionType<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `One ${name} in a page, with its cursor.` })
  class EdgeType {
    @Field({ description: 'Opaque; marks this position for `after` and `before`.' }) cursor: string;
    @Field(() => node, { description: `The ${name}.` }) node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items, oldest first.` })
  class ConnectionClass {
    @Field(() => [EdgeType], { description: 'The items of this page, oldest first.' }) edges: EdgeType[];
    @Field(() => PageInfo, { description: 'Cursors and whether more items lie either side.' }) pageInfo: PageInfo;
    @Field(() => Int, { description: 'How many items the whole list holds (with the same filters), not only this page.' }) totalCount: number;
  }
  return ConnectionClass;
}
