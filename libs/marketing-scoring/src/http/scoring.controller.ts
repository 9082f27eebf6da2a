import { Controller, Get, Inject, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ManagedProjections } from '@leadledger/platform';
import type { LoadedScoringModel } from '../load-scoring-model';
import { scoreViewProjection, toScoreView, type ScoreView } from '../projections/score-view';
import { MARKETING_SCORING_PROJECTIONS, SCORING_MODEL } from '../tokens';

@ApiTags('scoring')
@Controller()
export class ScoringController {
  constructor(
    @Inject(MARKETING_SCORING_PROJECTIONS) private readonly projections: ManagedProjections,
    @Inject(SCORING_MODEL) private readonly loaded: LoadedScoringModel,
  ) {}

  @Get('leads/:id/score')
  @ApiOperation({
    summary: "The lead's score: fit, engagement, total, every point's rule and event, model version, MQL",
  })
  async score(@Param('id', new ParseUUIDPipe()) leadId: string): Promise<ScoreView> {
    const { sql, schema } = this.projections.readModels;
    const row = await scoreViewProjection.find(sql, schema, leadId);
    const view = row && toScoreView(leadId, row.state);
    if (!view) throw new NotFoundException(`lead ${leadId} has not been scored`);
    return view;
  }

  @Get('scoring-model')
  @ApiOperation({ summary: 'The scoring model in force, as configured' })
  model(): unknown {
    return this.loaded.document;
  }
}
