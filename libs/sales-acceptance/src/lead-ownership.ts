import { isUUID } from 'class-validator';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ManagedProjections, ResourceOwners } from '@leadledger/platform';
import { salesLeadsProjection } from './projections/sales-leads';
import { SALES_ACCEPTANCE_PROJECTIONS } from './tokens';

/** sales-acceptance assigns leads, so it answers whom each belongs to: the access guard's ownership checks. */
@Injectable()
export class LeadOwnership implements OnModuleInit {
  constructor(
    @Inject(ResourceOwners) private readonly owners: ResourceOwners,
    @Inject(SALES_ACCEPTANCE_PROJECTIONS) private readonly projections: ManagedProjections,
  ) {}

  onModuleInit(): void {
    this.owners.register('lead', async (leadId) => {
      // The guard asks before the route's pipe refuses a malformed id: that is the pipe's 400 to give.
      if (!isUUID(leadId)) return {};
      const { sql, schema } = this.projections.readModels;
      const row = await salesLeadsProjection.find(sql, schema, leadId);
      const assignment = row?.state.status === 'active' ? row.state.lead.assignment : undefined;
      return assignment ? { owner: assignment.owner, team: assignment.team } : {};
    });
  }
}
