// Relay-style connections (first/after, edges, pageInfo, totalCount), one generic for every list.
import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { IsOptional, Max, Min } from 'class-validator';

@ObjectType()
export class PageInfo {
  @Field() hasNextPage: boolean;
  @Field() hasPreviousPage: boolean;
  @Field(() => String, { nullable: true }) startCursor: string | null;
  @Field(() => String, { nullable: true }) endCursor: string | null;
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
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field() cursor: string;
    @Field(() => node) node: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionClass {
    @Field(() => [EdgeType]) edges: EdgeType[];
    @Field(() => PageInfo) pageInfo: PageInfo;
    @Field(() => Int) totalCount: number;
  }
  return ConnectionClass;
}
