import { ASSIGNMENT_FALLBACK_REASONS, SALES_REJECTION_REASONS, type LeadEvent } from '@leadledger/contracts';
import { LeadledgerMetrics } from '@leadledger/observability';
import { READ_MODELS, type ReadModelDatabase } from '@leadledger/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { SalesState } from './domain/sales-lead.decider';
import type { LoadedSalesConfig } from './load-sales-config';
import { awaitingAnswerByTeam } from './projections/sales-leads';
import { SALES_CONFIG } from './tokens';

const HANDOFF_BUCKETS_SECONDS = [
  300,
  900,
  1_800,
  3_600,
  2 * 3_600,
  4 * 3_600,
  8 * 3_600,
  86_400,
  3 * 86_400,
  7 * 86_400,
];

/** The handoff as ops and sales leadership watch it: how fast reps answer, SLA breaches, queues, reasons. */
@Injectable()
export class SalesMetrics {
  private readonly handoff;
  private readonly breaches;
  private readonly assignments;
  private readonly answers;

  constructor(
    @Inject(LeadledgerMetrics) metrics: LeadledgerMetrics,
    @Inject(SALES_CONFIG) config: LoadedSalesConfig,
    @Inject(READ_MODELS) readModels: ReadModelDatabase,
  ) {
    const teams = config.team.teams.map(({ id }) => id);
    this.handoff = metrics.histogram(
      'leadledger_sales_handoff_seconds',
      'Time from assignment to the owner accepting or rejecting the lead, by team and answer',
      ['team', 'answer'],
      HANDOFF_BUCKETS_SECONDS,
    );
    this.breaches = metrics.counter(
      'leadledger_sales_sla_breaches_total',
      'Leads not answered by their handoff SLA, by team',
      ['team'],
    );
    this.assignments = metrics.counter(
      'leadledger_sales_assignments_total',
      'MQLs assigned to a rep, by team and why the fallback team took it (none when a rule did)',
      ['team', 'fallback_reason'],
    );
    this.answers = metrics.counter(
      'leadledger_sales_answers_total',
      'Leads accepted or rejected by sales, by answer and rejection reason (none for acceptances)',
      ['answer', 'reason'],
    );
    metrics.gauge(
      'leadledger_sales_queue_leads',
      "Leads assigned and awaiting their owner's answer, by team (from the sales leads read model)",
      ['team'],
      async (gauge) => {
        const awaiting = await awaitingAnswerByTeam(readModels.sql, readModels.schema).catch(() => undefined);
        if (!awaiting) return;
        for (const team of new Set([...teams, ...awaiting.keys()]))
          gauge.set({ team }, awaiting.get(team) ?? 0);
      },
    );
    metrics.initialiseCounter(
      this.breaches,
      teams.map((team) => ({ team })),
    );
    metrics.initialiseCounter(this.assignments, [
      ...teams.map((team) => ({ team, fallback_reason: 'none' })),
      ...ASSIGNMENT_FALLBACK_REASONS.map((reason) => ({
        team: config.team.fallbackTeam,
        fallback_reason: reason,
      })),
    ]);
    metrics.initialiseCounter(this.answers, [
      { answer: 'accepted', reason: 'none' },
      ...SALES_REJECTION_REASONS.map((reason) => ({ answer: 'rejected', reason })),
    ]);
  }

  /** `before`: the lead as it stood before the events, for the handoff time. */
  record(events: readonly LeadEvent[], before: SalesState | undefined, answeredAt = new Date()): void {
    const assignment = before?.status === 'active' ? before.lead.assignment : undefined;
    for (const event of events) {
      switch (event.type) {
        case 'LeadAssignedToSales':
          this.assignments.inc({
            team: event.data.team,
            fallback_reason: event.data.fallbackReason ?? 'none',
          });
          break;
        case 'LeadAcceptedBySales':
        case 'LeadRejectedBySales': {
          const answer = event.type === 'LeadAcceptedBySales' ? 'accepted' : 'rejected';
          this.answers.inc({
            answer,
            reason: event.type === 'LeadRejectedBySales' ? event.data.reason : 'none',
          });
          if (assignment) {
            const seconds = (answeredAt.getTime() - Date.parse(assignment.assignedAt)) / 1000;
            this.handoff.observe({ team: assignment.team, answer }, Math.max(0, seconds));
          }
          break;
        }
        default:
          break;
      }
    }
  }

  recordBreach(team: string): void {
    this.breaches.inc({ team });
  }
}
