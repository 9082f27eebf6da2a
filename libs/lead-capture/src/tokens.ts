/** lead-capture's read models (a ManagedProjections): the lead views GET /leads/{id} answers from. */
export const LEAD_CAPTURE_PROJECTIONS = Symbol('leadledger.lead-capture.projections');
