import { Access } from '@leadledger/access';
import {
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DEAD_LETTER_TOPICS, DeadLetterArchive, type DeadLetter } from './dead-letter-archive';

const MAX_LISTED = 500;

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/dead-letters')
@Access('admin')
export class DeadLettersController {
  constructor(@Inject(DeadLetterArchive) private readonly archive: DeadLetterArchive) {}

  @Get()
  @ApiOperation({ summary: `Dead letters, newest first (topic: one of ${DEAD_LETTER_TOPICS.join(', ')})` })
  list(@Query('topic') topic?: string, @Query('limit') limit?: string): Promise<DeadLetter[]> {
    const count = Math.min(MAX_LISTED, Math.max(1, Number.parseInt(limit ?? '100', 10) || 100));
    return this.archive.list({ ...(topic ? { topic } : {}), limit: count });
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replays a dead letter after a fix: back to its consumer, or to its original topic',
  })
  async replay(@Param('id', ParseIntPipe) id: number) {
    const result = await this.archive.replay(id);
    if (!result) throw new NotFoundException(`no dead letter ${id}`);
    return { id, ...result };
  }
}
