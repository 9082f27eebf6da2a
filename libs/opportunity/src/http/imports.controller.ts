import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Access, actorOf, CurrentPrincipal, type Principal } from '@leadledger/access';
import { asBulkWork } from '@leadledger/eventsourcing';
import { currentCorrelationId } from '@leadledger/observability';
import { AcceptsMediaTypes, ApiErrorResponses, errorTypeOf, ndjsonLines } from '@leadledger/platform';
import { Controller, Inject, Logger, Post, Req, Res, UnsupportedMediaTypeException } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { OpportunityImportLine } from '../domain/opportunity-import';
import {
  MAX_IMPORT_LINE_BYTES,
  MAX_IMPORT_LINES,
  OpportunityImporter,
} from '../imports/opportunity-importer';

/** The part of Express's response a streamed answer uses. */
interface StreamedResponse {
  status(code: number): StreamedResponse;
  setHeader(name: string, value: string): void;
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): void;
  end(): void;
}

@ApiTags('imports')
@Controller()
export class ImportsController {
  private readonly logger = new Logger(ImportsController.name);

  constructor(@Inject(OpportunityImporter) private readonly importer: OpportunityImporter) {}

  @Post('imports/opportunities')
  @Access('admin')
  @AcceptsMediaTypes('application/x-ndjson')
  @ApiConsumes('application/x-ndjson')
  @ApiProduces('application/x-ndjson')
  @ApiOperation({
    summary: `Import CRM opportunity history: NDJSON, one opportunity per line, up to ${MAX_IMPORT_LINES.toLocaleString('en')} lines`,
    description:
      'Streamed both ways. A first line `{"stageMap": {"Closed Won": "closed_won"}}` maps the CRM\'s stage names. ' +
      'Each opportunity is written with its past business times, once: a re-import writes nothing twice. ' +
      'The answer is NDJSON too: `{"line", "status": "rejected", "issues"}` for each bad line, ' +
      '`{"progress": {...}}` every 1,000 lines, and `{"done": {lines, imported, unchanged, rejected, leadsNotFound}}` last.',
  })
  @ApiBody({
    description: 'One OpportunityImportLine per line',
    schema: { $ref: getSchemaPath(OpportunityImportLine) },
  })
  @ApiResponse({
    status: 200,
    description: 'The report, streamed as the lines are read',
    content: { 'application/x-ndjson': { schema: { type: 'string' } } },
  })
  @ApiErrorResponses(415)
  async importOpportunities(
    @Req() request: IncomingMessage,
    @Res() response: StreamedResponse,
    @CurrentPrincipal() caller: Principal,
  ): Promise<void> {
    // JSON is let through everywhere; here it would read as an empty import.
    if (!/^application\/x-ndjson\b/i.test(request.headers['content-type'] ?? '')) {
      throw new UnsupportedMediaTypeException(
        'the body must be NDJSON (application/x-ndjson): one opportunity per line',
      );
    }
    response.status(200).setHeader('content-type', 'application/x-ndjson; charset=utf-8');
    const correlationId = currentCorrelationId() ?? randomUUID();
    try {
      const lines = ndjsonLines(request, MAX_IMPORT_LINE_BYTES);
      // Thousands of opportunities: behind single requests on a store that serves one at a time.
      await asBulkWork(async () => {
        for await (const report of this.importer.run(lines, actorOf(caller), correlationId)) {
          if (!response.write(`${JSON.stringify(report)}\n`))
            await new Promise<void>((drained) => response.once('drain', drained));
        }
      });
    } catch (error) {
      // The status is sent already: the report says the import stopped, and the log says why.
      this.logger.error({ errorType: errorTypeOf(error), correlationId }, 'opportunity import stopped');
      response.write(
        `${JSON.stringify({ error: 'the import stopped on an internal error; it has been logged' })}\n`,
      );
    }
    response.end();
  }
}
