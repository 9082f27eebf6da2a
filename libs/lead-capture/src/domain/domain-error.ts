/** A command the domain refuses. `kind` tells an adapter how to answer (HTTP 404, 409, 400). */
export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly kind: 'not_found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}
