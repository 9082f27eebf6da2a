/**
 * Who may do what. `ingest` is a system submitting leads and engagements; `rep` acts on what it owns,
 * `manager` on its team's; `analyst` reads read models and analytics without personal data; `admin`
 * does everything, keys included.
 */
export const ROLES = ['ingest', 'rep', 'manager', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** How a caller proved who it is. */
export type Credential =
  | { readonly kind: 'api-key'; readonly keyId: string }
  | { readonly kind: 'token'; readonly subject: string }
  | { readonly kind: 'anonymous' };

/** An authenticated caller. */
export interface Principal {
  /** e.g. `ana@acme.example` or `hubspot-sync`. */
  readonly id: string;
  readonly roles: readonly Role[];
  /** The sales team of a rep or manager. */
  readonly team?: string;
  readonly credential: Credential;
}

/**
 * The actor stamped on every event the principal causes: the credential, never anything the request
 * says about itself. A key names the key (`api-key:<id>`), so a leaked key's writes can be found.
 */
export function actorOf(principal: Principal): `${'api-key' | 'user'}:${string}` {
  switch (principal.credential.kind) {
    case 'api-key':
      return `api-key:${principal.credential.keyId}`;
    case 'token':
      return `user:${principal.credential.subject}`;
    case 'anonymous':
      return 'user:anonymous';
  }
}

export function hasAnyRole(principal: Principal, roles: readonly Role[]): boolean {
  return principal.roles.some((role) => roles.includes(role));
}

/** Whom a lead or an opportunity belongs to; both absent while nobody is assigned. */
export interface Ownership {
  readonly owner?: string;
  readonly team?: string;
}

/**
 * May the principal act on a resource with this ownership? Admins and analysts are not bound by
 * ownership (the route's roles already limit them). A manager acts on the team's resources and on
 * unassigned ones, which they are the ones to assign; a rep only on its own.
 */
export function mayActOn(principal: Principal, ownership: Ownership): boolean {
  if (hasAnyRole(principal, ['admin', 'analyst', 'ingest'])) return true;
  if (ownership.owner !== undefined && ownership.owner === principal.id) return true;
  if (principal.roles.includes('manager')) {
    const unassigned = ownership.owner === undefined && ownership.team === undefined;
    return unassigned || (principal.team !== undefined && ownership.team === principal.team);
  }
  return false;
}
