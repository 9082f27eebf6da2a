import { Controller, Get, Inject, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { LoadedScoringModel } from '../load-scoring-model';
import { MarketingScoringService } from '../marketing-scoring.service';
import { toScoreView, type ScoreView } from '../projections/score-view';
import { SCORING_MODEL } from '../tokens';

@ApiTags('scoring')
@Controller()
export class ScoringController {
  constructor(
    @Inject(MarketingScoringService) private readonly scoring: MarketingScoringService,
    @Inject(SCORING_MODEL) private readonly loaded: LoadedScoringModel,
  ) {}

  @Get('leads/:id/score')
  @ApiOperation({
    summary: "The lead's score: fit, engagement, total, every point's rule and event, model version, MQL",
  })
  async score(@Param('id', new ParseUUIDPipe()) leadId: string): Promise<ScoreView> {
    const state = await this.scoring.scoringStateOf(leadId);
    const view = state && toScoreView(leadId, state);
    if (!view) throw new NotFoundException(`lead ${leadId} has not been scored`);
    return view;
  }

  @Get('scoring-model')
  @ApiOperation({ summary: 'The scoring model in force, as configured' })
  model(): unknown {
    return this.loaded.document;
  }
}
