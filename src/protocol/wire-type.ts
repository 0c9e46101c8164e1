// How a schema's output becomes the read-only TypeScript type the rest of the code uses.
import type * as z from 'zod/mini';

/** Values that crossed the wire are never mutated in place: every level is read-only. */
export type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The read-only value a schema accepts. */
export type Wire<S extends z.ZodMiniType> = DeepReadonly<z.output<S>>;
