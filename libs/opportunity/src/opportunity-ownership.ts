import { isUUID } from 'class-validator';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ManagedProjections, ResourceOwners } from '@leadledger/platform';
import { opportunitiesProjection } from './projections/opportunities';
import { OPPORTUNITY_PROJECTIONS } from './tokens';

/** opportunity keeps the owners of opportunities, so it answers the access guard's ownership checks. */
@Injectable()
export class OpportunityOwnership implements OnModuleInit {
  constructor(
    @Inject(ResourceOwners) private readonly owners: ResourceOwners,
    @Inject(OPPORTUNITY_PROJECTIONS) private readonly projections: ManagedProjections,
  ) {}

  onModuleInit(): void {
    this.owners.register('opportunity', async (opportunityId) => {
      // The guard asks before the route's pipe refuses a malformed id: that is the pipe's 400 to give.
      if (!isUUID(opportunityId)) return {};
      const { sql, schema } = this.projections.readModels;
      const row = await opportunitiesProjection.find(sql, schema, opportunityId);
      if (!row || row.state.status === 'none') return {};
      const { owner, team } = row.state.opportunity;
      return { owner, ...(team ? { team } : {}) };
    });
  }
}
