import { createHash, timingSafeEqual } from 'node:crypto';
import {
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  Injectable,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
  UnauthorizedException,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SERVICE_ENVIRONMENT } from '../tokens';
import { DEAD_LETTER_TOPICS, DeadLetterArchive, type DeadLetter } from './dead-letter-archive';

/**
 * Until access control arrives, admin routes take one shared secret from ADMIN_TOKEN (at least 32
 * characters) as a bearer token, compared in constant time; without it they are disabled. Dead
 * letters hold submissions as sent, personal data included: no open route may serve them.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(SERVICE_ENVIRONMENT) env: NodeJS.ProcessEnv) {
    const token = env.ADMIN_TOKEN?.trim();
    if (token && token.length >= 32) this.expected = digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected)
      throw new ForbiddenException('admin routes are disabled: set ADMIN_TOKEN (32+ characters)');
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>()
      .headers.authorization;
    const presented = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    if (!presented || !timingSafeEqual(digest(presented), this.expected)) {
      throw new UnauthorizedException('an admin bearer token is required');
    }
    return true;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

const MAX_LISTED = 500;

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/dead-letters')
@UseGuards(AdminTokenGuard)
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
