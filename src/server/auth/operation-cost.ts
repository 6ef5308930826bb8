// What an operation costs against its caller's rate limit: reads are cheap, writes cost more, and
// fields that run the model cost most. Counted per root field (aliases included).
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { Config } from '../../config.js';

/** Root mutation fields that run inference. */
export const INFERENCE_FIELDS: ReadonlySet<string> = new Set([
  'segmentImage',
  'segmentPhrases',
  'segmentEverything',
  'startBatchSegmentation',
  'startSession',
  'reopenSession',
  'addPrompt',
  'addTextPrompt',
  'propagate',
]);

export function operationCost(op: OperationDefinitionNode, cost: Config['rateLimit']['cost']): number {
  let total = 0;
  for (const sel of op.selectionSet.selections) {
    if (sel.kind !== Kind.FIELD) {
      total += cost.read; // a fragment at the root: priced as a read, its fields are validated elsewhere
      continue;
    }
    if (sel.name.value.startsWith('__')) continue;
    if (op.operation !== 'mutation') total += cost.read;
    else total += INFERENCE_FIELDS.has(sel.name.value) ? cost.inference : cost.write;
  }
  return Math.max(total, cost.read);
}
