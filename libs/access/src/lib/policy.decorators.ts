import { SetMetadata, applyDecorators } from '@nestjs/common';
import type { Role } from '../domain/principal';

export const ACCESS_POLICY = 'leadledger:access-policy';

/** Kinds of resources that have an owner and a team. */
export type OwnedKind = 'lead' | 'opportunity';

export type AccessPolicy =
  | { readonly public: true }
  | {
      readonly public: false;
      readonly roles: readonly Role[];
      /** The route acts on one owned resource, identified by this route parameter. */
      readonly owned?: { readonly kind: OwnedKind; readonly param: string };
    };

/**
 * Who may call the route. Every route names its policy: the guard refuses a route without one and
 * a service with such a route does not start.
 */
export const Access = (...roles: readonly Role[]) =>
  SetMetadata(ACCESS_POLICY, { public: false, roles } satisfies AccessPolicy);

/**
 * Like Access, for a route acting on one lead or opportunity: reps only on their own, managers on
 * their team's (and unassigned ones, which they assign).
 */
export const AccessOwned = (kind: OwnedKind, param: string, ...roles: readonly Role[]) =>
  SetMetadata(ACCESS_POLICY, { public: false, roles, owned: { kind, param } } satisfies AccessPolicy);

/** Open to anyone: health, metrics and docs, which carry no personal data. */
export const Public = () =>
  applyDecorators(SetMetadata(ACCESS_POLICY, { public: true } satisfies AccessPolicy));
