import { Field, ID, InputType } from 'type-graphql';
import { Length } from 'class-validator';

@InputType({ description: 'Input of createProject.' })
export class CreateProjectInput {
  @Field({ description: 'A name for people, 1 to 200 characters.' })
  @Length(1, 200)
  name: string;
}

@InputType({ description: 'Input of renameProject.' })
export class RenameProjectInput {
  @Field(() => ID, { description: 'The project to rename.' }) id: string;

  @Field({ description: 'The new name, 1 to 200 characters.' })
  @Length(1, 200)
  name: string;
}

@InputType({ description: 'Input of deleteProject.' })
export class DeleteProjectInput {
  @Field(() => ID, { description: 'The project to delete, with all its media.' }) id: string;
}
