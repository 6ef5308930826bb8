import { Field, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../common/connection.type.js';
import { Node } from '../common/node.type.js';

@ObjectType({ implements: Node, description: 'A named collection of media.' })
export class Project {
  @Field(() => ID, { description: 'Globally unique (a UUID).' }) id: string;
  @Field({ description: 'A name for people, 1 to 200 characters; not unique.' }) name: string;
  @Field(() => GraphQLISODateTime, { description: 'When the project was created.' }) createdAt: Date;
  @Field(() => GraphQLISODateTime, { description: 'When the project was last renamed (or created).' }) updatedAt: Date;
}

@ObjectType({ description: 'A page of projects, oldest first.' })
export class ProjectConnection extends ConnectionType(Project, 'Project') {}

@ObjectType({ description: 'The result of createProject or renameProject.' })
export class ProjectPayload {
  @Field(() => Project, { description: 'The project as it is now.' }) project: Project;
}

@ObjectType({ description: 'The result of deleteProject.' })
export class DeleteProjectPayload {
  @Field(() => ID, { description: 'The id of the deleted project.' }) id: string;
  @Field(() => Int, { description: 'Media deleted with the project.' }) deletedMediaCount: number;
}
