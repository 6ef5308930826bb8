import { Field, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../common/connection.type.js';
import { Node } from '../common/node.type.js';

@ObjectType({ implements: Node, description: 'A named collection of media.' })
export class Project {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => GraphQLISODateTime) createdAt: Date;
  @Field(() => GraphQLISODateTime) updatedAt: Date;
}

@ObjectType()
export class ProjectConnection extends ConnectionType(Project, 'Project') {}

@ObjectType()
export class ProjectPayload {
  @Field(() => Project) project: Project;
}

@ObjectType()
export class DeleteProjectPayload {
  @Field(() => ID) id: string;
  @Field(() => Int, { description: 'Media deleted with the project.' }) deletedMediaCount: number;
}
