/** AccessConfig of this process. */
export const ACCESS_CONFIG = Symbol('leadledger.access-config');
/** The OIDC TokenVerifier, or undefined when tokens are not configured. */
export const TOKEN_VERIFIER = Symbol('leadledger.token-verifier');
/** The access module's read models (the API key listing). */
export const ACCESS_PROJECTIONS = Symbol('leadledger.access-projections');
