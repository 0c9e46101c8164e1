// V8's collector on demand, for tests that measure retained memory. Knows only Node's v8 and vm
// modules; nothing of the server.
import v8 from 'node:v8';
import vm from 'node:vm';

/** A handle on V8's collector, so retained memory is measured rather than garbage not yet collected. */
export function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = vm.runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('gc not available');
  return () => {
    gc();
  };
}
