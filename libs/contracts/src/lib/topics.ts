import type { StreamCategory } from './event-catalog';

/** Raw lead submissions from other systems (forms, CRMs, imports), before lead-capture has validated them. */
export const LEADS_INBOUND_TOPIC = 'leadledger.leads.inbound';
/** Every event of every `lead-{leadId}` stream, keyed by stream id. */
export const LEADS_LIFECYCLE_TOPIC = 'leadledger.leads.lifecycle';
/** Every event of every `opportunity-{opportunityId}` stream, keyed by stream id. */
export const OPPORTUNITIES_LIFECYCLE_TOPIC = 'leadledger.opportunities.lifecycle';

const LIFECYCLE_TOPICS: { readonly [C in StreamCategory]: string } = {
  lead: LEADS_LIFECYCLE_TOPIC,
  opportunity: OPPORTUNITIES_LIFECYCLE_TOPIC,
};

/** Where the relay publishes a stream category's events. */
export function lifecycleTopicOf(category: StreamCategory): string {
  return LIFECYCLE_TOPICS[category];
}

/** Messages a consumer of `topic` gave up on after bounded retries. */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}
