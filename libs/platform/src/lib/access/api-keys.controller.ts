import { randomUUID } from 'node:crypto';
import {
  Access,
  actorOf,
  CurrentPrincipal,
  keyRequestIssues,
  PRINCIPAL_NAME,
  ROLES,
  type Principal,
  type Role,
} from '@leadledger/access';
import { currentCorrelationId } from '@leadledger/observability';
import { DomainError } from '@leadledger/eventsourcing';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ApiErrorResponses } from '../http/api-error-responses';
import { ApiUuidParam, uuidParam } from '../http/uuid-param';
import { READ_MODELS } from '../tokens';
import type { ManagedProjections, ReadModelDatabase } from '../read-models';
import { ApiKeyRegistry, type KeyRequest } from './api-key-registry';
import { listingOf, type ApiKeyListing } from './api-keys.projection';
import { ACCESS_PROJECTIONS } from './access.tokens';

const KEY_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['role', 'principal'],
  additionalProperties: false,
  properties: {
    role: { type: 'string', enum: [...ROLES] },
    principal: { type: 'string', pattern: PRINCIPAL_NAME.source, example: 'hubspot-sync' },
    team: { type: 'string', pattern: PRINCIPAL_NAME.source, example: 'emea-enterprise' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
};

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(
    @Inject(ApiKeyRegistry) private readonly keys: ApiKeyRegistry,
    @Inject(READ_MODELS) private readonly readModels: ReadModelDatabase,
    @Inject(ACCESS_PROJECTIONS) private readonly projections: ManagedProjections,
  ) {}

  @Post()
  @HttpCode(201)
  @Access('admin')
  @ApiOperation({ summary: 'Issues an API key: the answer is the only time the key is shown' })
  @ApiBody({ schema: KEY_REQUEST_SCHEMA })
  @ApiResponse({
    status: 201,
    description: 'The key, once',
    schema: {
      type: 'object',
      required: ['id', 'key', 'role', 'principal'],
      properties: {
        id: { type: 'string', format: 'uuid' },
        key: { type: 'string' },
        role: { type: 'string' },
        principal: { type: 'string' },
        team: { type: 'string' },
        expiresAt: { type: 'string', format: 'date-time' },
      },
    },
  })
  @ApiErrorResponses(400, 401, 403)
  async issue(@Body() body: unknown, @CurrentPrincipal() caller: Principal) {
    const request = keyRequestOf(body);
    const issued = await this.keys.issue(request, actorOf(caller), currentCorrelationId() ?? randomUUID());
    await this.projections.waitFor(issued.position);
    const { role, principal, team, expiresAt } = issued.grant;
    return {
      id: issued.keyId,
      key: issued.key,
      role,
      principal,
      ...(team !== undefined ? { team } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
  }

  @Get()
  @Access('admin')
  @ApiOperation({ summary: 'Every key issued, revoked ones included; never a secret or its hash' })
  @ApiErrorResponses(401, 403)
  async list(): Promise<ApiKeyListing[]> {
    const rows = await this.readModels.sql.query<Record<string, unknown>>(
      `SELECT * FROM "${this.readModels.schema}".api_keys ORDER BY issued_at DESC, key_id LIMIT 10000`,
    );
    return rows.map(listingOf);
  }

  @Delete(':id')
  @HttpCode(204)
  @Access('admin')
  @ApiUuidParam('id', 'The key id')
  @ApiOperation({ summary: 'Revokes a key: every service refuses it within seconds' })
  @ApiErrorResponses(400, 401, 403, 404)
  async revoke(@Param('id', uuidParam()) id: string, @CurrentPrincipal() caller: Principal): Promise<void> {
    const position = await this.keys.revoke(
      id.toLowerCase(),
      actorOf(caller),
      currentCorrelationId() ?? randomUUID(),
    );
    await this.projections.waitFor(position);
  }
}

function keyRequestOf(body: unknown): KeyRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new DomainError('invalid', 'invalid request', [
      { field: '(body)', reason: 'must be a JSON object' },
    ]);
  }
  const fields = body as Record<string, unknown>;
  const issues = keyRequestIssues(fields).map(({ path, reason }) => ({ field: path, reason }));
  if (typeof fields.expiresAt === 'string' && Date.parse(fields.expiresAt) <= Date.now()) {
    issues.push({ field: 'expiresAt', reason: 'must be in the future' });
  }
  if (issues.length > 0) throw new DomainError('invalid', 'invalid request', issues);
  const { role, principal, team, expiresAt } = fields as Partial<Record<string, string>>;
  return {
    role: role as Role,
    principal: principal as string,
    ...(team !== undefined ? { team } : {}),
    ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
  };
}
