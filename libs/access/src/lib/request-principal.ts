import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '../domain/principal';

// A symbol, not a property name: nothing a client sends (a header, a body field) can set it.
const PRINCIPAL = Symbol('leadledger.principal');

export function attachPrincipal(request: object, principal: Principal): void {
  (request as { [PRINCIPAL]?: Principal })[PRINCIPAL] = principal;
}

/** The authenticated caller of a request the access guard let through. */
export function principalOfRequest(request: object): Principal {
  const principal = (request as { [PRINCIPAL]?: Principal })[PRINCIPAL];
  // Only a route without a policy could get here, and such a service does not start.
  if (!principal) throw new Error('no authenticated principal on this request');
  return principal;
}

/** The handler parameter receiving the authenticated caller. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal =>
  principalOfRequest(context.switchToHttp().getRequest()),
);
