// Focus on mount: a panel, form or toolbar that opens takes the keyboard focus (on its first control,
// or a heading screen readers announce) before the browser paints.
import { useLayoutEffect, useRef } from 'preact/hooks';

/** A ref whose element is focused once, when the component mounts. */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useLayoutEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
