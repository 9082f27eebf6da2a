// Jest's global `expect`, not an import of @jest/globals: that import throws outside Jest, and
// benches and tools import this library's other helpers through its index.
import fc from 'fast-check';

export interface ConfigurationFuzz {
  /** A valid document, made afresh for each case. */
  readonly validDocument: () => unknown;
  /** Where in it to put arbitrary JSON (`[]` is the whole document). */
  readonly paths: readonly (readonly (string | number)[])[];
  readonly parse: (document: unknown) => unknown;
  /** The one error a parser may throw, whose message starts with `source`. */
  readonly errorClass: abstract new (...args: never[]) => Error;
  readonly source: string;
  readonly numRuns?: number;
}

/**
 * Arbitrary JSON at each of these places of a valid configuration document: the parser accepts it or
 * refuses it with its own error naming the file, and never fails in any other way.
 */
export function expectOnlyConfigurationErrors(fuzz: ConfigurationFuzz): void {
  const withValueAt = (path: readonly (string | number)[], value: unknown): unknown => {
    if (path.length === 0) return value;
    const document = JSON.parse(JSON.stringify(fuzz.validDocument())) as Record<string, unknown>;
    const parent = path
      .slice(0, -1)
      .reduce<Record<string | number, unknown>>(
        (node, key) => node[key] as Record<string | number, unknown>,
        document,
      );
    parent[path[path.length - 1]] = value;
    return document;
  };
  fc.assert(
    fc.property(fc.constantFrom(...fuzz.paths), fc.jsonValue(), (path, value) => {
      try {
        fuzz.parse(withValueAt(path, value));
      } catch (error) {
        expect(error).toBeInstanceOf(fuzz.errorClass);
        expect((error as Error).message.startsWith(`${fuzz.source}: `)).toBe(true);
      }
    }),
    { numRuns: fuzz.numRuns ?? 600 },
  );
}
