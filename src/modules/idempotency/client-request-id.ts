// The optional clientRequestId field of every input whose mutation starts a job or stores a media.
import { Length } from 'class-validator';
import { Field } from 'type-graphql';

export function ClientRequestIdField(): PropertyDecorator {
  return (target, key) => {
    Field(() => String, {
      nullable: true,
      description: 'Makes the mutation idempotent: sent again with the same id (by the same key, within 24 h) it returns the first result; the same id with a different input is CONFLICT.',
    })(target, key);
    Length(1, 200)(target, key);
  };
}
