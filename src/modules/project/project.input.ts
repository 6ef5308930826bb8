import { Field, ID, InputType } from 'type-graphql';
import { Length } from 'class-validator';

@InputType()
export class CreateProjectInput {
  @Field({ description: '1 to 200 characters.' })
  @Length(1, 200)
  name: string;
}

@InputType()
export class RenameProjectInput {
  @Field(() => ID) id: string;

  @Field()
  @Length(1, 200)
  name: string;
}

@InputType()
export class DeleteProjectInput {
  @Field(() => ID) id: string;
}
