import type { OpenAPIObject } from '@nestjs/swagger';
import { ERROR_BODY_SCHEMA } from '../http/api-error-responses';
import type { RouteWithPolicy } from './route-policies';

const REFUSALS = {
  401: 'No credentials, or credentials that could not be verified (`unauthorized`)',
  403: "The caller's role, or its ownership of the resource, does not allow this (`forbidden`)",
  429: 'Too many requests from this caller, or failed authentications from this address (`too_many_requests`); see Retry-After',
} as const;

/**
 * Documents access the way the guard enforces it, from the same policies: each route's roles, the
 * two ways to present a credential, and the 401, 403 and 429 of every route that is not public.
 */
export function documentAccess(document: OpenAPIObject, routes: readonly RouteWithPolicy[]): void {
  document.components = {
    ...document.components,
    securitySchemes: {
      ...document.components?.securitySchemes,
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'An API key, or an OIDC access token (JWT) of the configured issuer',
      },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'An API key' },
    },
  };
  for (const route of routes) {
    const operation = document.paths[openApiPathOf(route.path)]?.[route.method.toLowerCase() as 'get'];
    if (!operation || !route.policy) continue;
    if (route.policy.public) {
      operation.security = [];
      continue;
    }
    operation.security = [{ bearer: [] }, { apiKey: [] }];
    const owned = route.policy.owned
      ? ` Reps only for their own ${route.policy.owned.kind}s, managers for their team's and unassigned ones.`
      : '';
    operation.description = [operation.description, `Roles: ${route.policy.roles.join(', ')}.${owned}`]
      .filter(Boolean)
      .join('\n\n');
    for (const [status, description] of Object.entries(REFUSALS)) {
      operation.responses[status] ??= {
        description,
        content: { 'application/json': { schema: ERROR_BODY_SCHEMA } },
      };
    }
  }
}

/** `leads/:id` -> `/leads/{id}`; an escaped `\:` is a literal colon (`leads:batch`). */
function openApiPathOf(path: string): string {
  return `/${path.replace(/(?<!\\):([A-Za-z0-9_]+)/g, '{$1}').replace(/\\:/g, ':')}`;
}
