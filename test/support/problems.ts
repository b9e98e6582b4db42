// Reading the problems out of a SpecError in tests.
import { SpecError, type Problem } from '../../lib/spec/problems.js';

/** The problems `fn` throws as a SpecError; fails the test when it throws nothing or something else. */
export function problemsOf(fn: () => unknown): Problem[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a SpecError');
}
