import { LEADS_INBOUND_TOPIC, deadLetterTopicOf, lifecycleTopicOf } from './topics';

describe('topics', () => {
  it('maps each stream category to its lifecycle topic', () => {
    expect(lifecycleTopicOf('lead')).toBe('leadledger.leads.lifecycle');
    expect(lifecycleTopicOf('opportunity')).toBe('leadledger.opportunities.lifecycle');
  });

  it('puts the dead letters of a topic beside it', () => {
    expect(deadLetterTopicOf(LEADS_INBOUND_TOPIC)).toBe('leadledger.leads.inbound.dlq');
  });
});
