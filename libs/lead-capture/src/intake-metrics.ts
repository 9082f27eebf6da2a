import { LeadledgerMetrics } from '@leadledger/observability';
import type { SubmissionFinding } from './domain/lead-submission';

/**
 * What intake normalized counted by kind and field, so an operator sees how often forms send a
 * country no code matches or an email mixing scripts (a likely homoglyph), without any value.
 */
export function countingFindings(metrics: LeadledgerMetrics): (finding: SubmissionFinding) => void {
  const mixedScript = metrics.counter(
    'leadledger_email_mixed_script_total',
    'Accepted emails whose local part or domain label mixes scripts (a homoglyph is likely); kept distinct.',
  );
  const keptAsGiven = metrics.counter(
    'leadledger_lead_field_kept_as_given_total',
    'Optional fields kept as given because they could not be normalized (a country no code matches).',
    ['field'],
  );
  const truncated = metrics.counter(
    'leadledger_lead_field_truncated_total',
    'Optional text fields cut to the length their event allows.',
    ['field'],
  );
  return (finding) => {
    switch (finding.kind) {
      case 'email_mixed_script':
        return mixedScript.inc();
      case 'kept_as_given':
        return keptAsGiven.inc({ field: finding.field });
      case 'truncated':
        return truncated.inc({ field: finding.field });
    }
  };
}
