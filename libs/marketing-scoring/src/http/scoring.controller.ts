import { Access, AccessOwned } from '@leadledger/access';
import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses, ApiUuidParam, ManagedProjections, uuidParam } from '@leadledger/platform';
import type { LoadedScoringModel } from '../load-scoring-model';
import { scoreViewProjection, toScoreView, type ScoreView } from '../projections/score-view';
import { MARKETING_SCORING_PROJECTIONS, SCORING_MODEL } from '../tokens';
import { SCORE_VIEW_SCHEMA } from './score-view.schema';

@ApiTags('scoring')
@Controller()
export class ScoringController {
  constructor(
    @Inject(MARKETING_SCORING_PROJECTIONS) private readonly projections: ManagedProjections,
    @Inject(SCORING_MODEL) private readonly loaded: LoadedScoringModel,
  ) {}

  @Get('leads/:id/score')
  // Scores carry no personal data: analysts read them for any lead.
  @AccessOwned('lead', 'id', 'rep', 'manager', 'analyst', 'admin')
  @ApiOperation({
    summary: "The lead's score: fit, engagement, total, every point's rule and event, model version, MQL",
  })
  @ApiUuidParam('id', 'The lead id')
  @ApiResponse({ status: 200, description: 'The score as last recorded', schema: SCORE_VIEW_SCHEMA })
  @ApiErrorResponses(400, [404, 'No such lead, or not scored yet (`not_found`)'])
  async score(@Param('id', uuidParam()) leadId: string): Promise<ScoreView> {
    const { sql, schema } = this.projections.readModels;
    const row = await scoreViewProjection.find(sql, schema, leadId);
    const view = row && toScoreView(leadId, row.state);
    if (!view) throw new NotFoundException(`lead ${leadId} has not been scored`);
    return view;
  }

  @Get('scoring-model')
  @Access('rep', 'manager', 'analyst', 'admin')
  @ApiOperation({ summary: 'The scoring model in force, as configured' })
  @ApiResponse({
    status: 200,
    description: 'The model document (config/scoring-model.json or SCORING_MODEL) as written',
    schema: { type: 'object' },
  })
  model(): unknown {
    return this.loaded.document;
  }
}
