// What an operation costs against its caller's rate limit: reads are cheap, writes cost more, and
// fields that run the model cost most. Counted per root field (aliases included), after the
// fragments at the root are expanded.
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { Config } from '../../config.js';
import { rootFieldNames } from './root-fields.js';

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

export function operationCost(document: DocumentNode, op: OperationDefinitionNode, cost: Config['rateLimit']['cost']): number {
  let total = 0;
  for (const name of rootFieldNames(document, op)) {
    if (op.operation !== 'mutation') total += cost.read;
    else total += INFERENCE_FIELDS.has(name) ? cost.inference : cost.write;
  }
  return Math.max(total, cost.read);
}
