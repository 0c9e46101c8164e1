// What a call refuses with: the ParleyError code it throws, for tests of the pure rules.
import { ParleyError } from '../../src/errors.js';

/** The code of the ParleyError `fn` throws; undefined when it returns, 'not a ParleyError' otherwise. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof ParleyError ? error.code : 'not a ParleyError';
  }
}
