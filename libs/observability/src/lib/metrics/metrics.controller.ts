import { Public } from '@leadledger/access';
import { Controller, Get, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { markOperationalRequest } from '../operational-requests';
import { LeadledgerMetrics } from './leadledger-metrics';

// No personal data: open to probes and scrapers, as an orchestrator and Prometheus expect.
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: LeadledgerMetrics) {}

  /** The Prometheus scrape endpoint: text exposition format of this app's registry. */
  @Get()
  async scrape(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    markOperationalRequest(req);
    const { registry } = this.metrics;
    const body = await registry.metrics();
    // Written directly: Express's send() would rewrite the content type's parameters.
    res.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}
