/**
 * A stage's refusal of one object (its data cannot be restored as it is): the pipeline drops that object with
 * this message as its error and goes on. Any other error a stage throws is a bug and ends the transform.
 */
export class ItemTransformError extends Error {
  override name = 'ItemTransformError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
