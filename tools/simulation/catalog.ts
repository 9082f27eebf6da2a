/**
 * The vocabulary of the synthetic history: who the leads are, where they come from, what they do.
 * Plain data; the weights are rough shapes of a B2B SaaS funnel, not measurements.
 */

export const SOURCES = ['web_form', 'newsletter', 'event', 'referral', 'cold_outreach'] as const;
export type Source = (typeof SOURCES)[number];

export const SOURCE_WEIGHTS: readonly (readonly [Source, number])[] = [
  ['web_form', 38],
  ['newsletter', 20],
  ['event', 16],
  ['referral', 9],
  ['cold_outreach', 17],
];

/** How keen a source's leads are to begin with (0..1). */
export const SOURCE_INTEREST: Readonly<Record<Source, number>> = {
  web_form: 0.55,
  newsletter: 0.3,
  event: 0.5,
  referral: 0.7,
  cold_outreach: 0.2,
};

export const SOURCE_DETAILS: Readonly<Record<Source, readonly string[]>> = {
  web_form: ['contact-us', 'pricing-inquiry', 'demo-request', 'trial-signup', 'ebook-landing-page'],
  newsletter: ['monthly-digest', 'product-updates', 'revops-weekly'],
  event: ['dmexco-2026', 'saastr-europa-2026', 'web-summit-2026', 'revops-summit-nyc-2026', 'omr-2026'],
  referral: ['partner-northwind-consulting', 'partner-bluefin-advisory', 'customer-referral'],
  cold_outreach: ['outbound-dach-q3', 'outbound-na-q4', 'linkedin-sequence-cxo'],
};

export const UTM: Readonly<Partial<Record<Source, readonly { source: string; medium: string }[]>>> = {
  web_form: [
    { source: 'google', medium: 'cpc' },
    { source: 'linkedin', medium: 'paid-social' },
    { source: 'google', medium: 'organic' },
    { source: 'g2', medium: 'referral' },
  ],
  newsletter: [{ source: 'newsletter', medium: 'email' }],
};

export const CAMPAIGNS = [
  'q3-pipeline-push',
  'forecasting-launch',
  'revops-benchmark-2026',
  'brand-always-on',
];

export interface CountryProfile {
  readonly code: string;
  /** As some forms send it: the country's name. */
  readonly name: string;
  readonly weight: number;
  readonly currency: 'EUR' | 'USD';
  readonly firstNames: readonly string[];
  readonly lastNames: readonly string[];
  readonly companySuffixes: readonly string[];
  readonly tld: string;
  readonly phonePrefix: string;
}

const GERMAN_FIRST = [
  'Anna',
  'Lukas',
  'Leonie',
  'Felix',
  'Marie',
  'Jonas',
  'Sophie',
  'Paul',
  'Lea',
  'Maximilian',
];
const GERMAN_LAST = [
  'Müller',
  'Schmidt',
  'Schneider',
  'Fischer',
  'Weber',
  'Meyer',
  'Wagner',
  'Becker',
  'Hoffmann',
];
const ENGLISH_FIRST = [
  'James',
  'Emily',
  'Michael',
  'Olivia',
  'David',
  'Sarah',
  'Daniel',
  'Jessica',
  'Chris',
  'Ashley',
];
const ENGLISH_LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Taylor', 'Clark'];

export const COUNTRIES: readonly CountryProfile[] = [
  {
    code: 'DE',
    name: 'Germany',
    weight: 24,
    currency: 'EUR',
    firstNames: GERMAN_FIRST,
    lastNames: GERMAN_LAST,
    companySuffixes: ['GmbH', 'AG', 'SE', 'GmbH & Co. KG'],
    tld: 'de',
    phonePrefix: '+49',
  },
  {
    code: 'AT',
    name: 'Austria',
    weight: 6,
    currency: 'EUR',
    firstNames: GERMAN_FIRST,
    lastNames: [...GERMAN_LAST, 'Gruber', 'Huber', 'Pichler'],
    companySuffixes: ['GmbH', 'AG'],
    tld: 'at',
    phonePrefix: '+43',
  },
  {
    code: 'CH',
    name: 'Switzerland',
    weight: 6,
    currency: 'EUR',
    firstNames: [...GERMAN_FIRST, 'Luca', 'Noah', 'Mia'],
    lastNames: [...GERMAN_LAST, 'Keller', 'Frei', 'Brunner'],
    companySuffixes: ['AG', 'GmbH', 'SA'],
    tld: 'ch',
    phonePrefix: '+41',
  },
  {
    code: 'US',
    name: 'United States',
    weight: 26,
    currency: 'USD',
    firstNames: ENGLISH_FIRST,
    lastNames: [...ENGLISH_LAST, 'Garcia', 'Martinez', 'Nguyen'],
    companySuffixes: ['Inc.', 'LLC', 'Corp.'],
    tld: 'com',
    phonePrefix: '+1',
  },
  {
    code: 'CA',
    name: 'Canada',
    weight: 6,
    currency: 'USD',
    firstNames: [...ENGLISH_FIRST, 'Étienne', 'Chloé'],
    lastNames: [...ENGLISH_LAST, 'Tremblay', 'Roy', 'Gagnon'],
    companySuffixes: ['Inc.', 'Ltd.'],
    tld: 'ca',
    phonePrefix: '+1',
  },
  {
    code: 'GB',
    name: 'United Kingdom',
    weight: 12,
    currency: 'EUR',
    firstNames: ENGLISH_FIRST,
    lastNames: [...ENGLISH_LAST, 'Evans', 'Thomas', 'Wright'],
    companySuffixes: ['Ltd', 'plc', 'Group Ltd'],
    tld: 'co.uk',
    phonePrefix: '+44',
  },
  {
    code: 'FR',
    name: 'France',
    weight: 8,
    currency: 'EUR',
    firstNames: ['Camille', 'Louis', 'Manon', 'Hugo', 'Léa', 'Arthur', 'Chloé', 'Jules'],
    lastNames: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand'],
    companySuffixes: ['SAS', 'SA', 'SARL'],
    tld: 'fr',
    phonePrefix: '+33',
  },
  {
    code: 'NL',
    name: 'Netherlands',
    weight: 4,
    currency: 'EUR',
    firstNames: ['Daan', 'Emma', 'Sem', 'Julia', 'Lars', 'Sanne'],
    lastNames: ['de Jong', 'Jansen', 'de Vries', 'van Dijk', 'Bakker', 'Visser'],
    companySuffixes: ['B.V.', 'N.V.'],
    tld: 'nl',
    phonePrefix: '+31',
  },
  {
    code: 'IN',
    name: 'India',
    weight: 8,
    currency: 'USD',
    firstNames: ['Aarav', 'Priya', 'Rohan', 'Ananya', 'Vikram', 'Isha', 'Arjun', 'Kavya'],
    lastNames: ['Sharma', 'Patel', 'Gupta', 'Iyer', 'Reddy', 'Nair', 'Singh', 'Mehta'],
    companySuffixes: ['Pvt Ltd', 'Technologies', 'Ltd'],
    tld: 'in',
    phonePrefix: '+91',
  },
];

export const COMPANY_STEMS = [
  'Nordlicht',
  'Bluefin',
  'Ironbridge',
  'Kestrel',
  'Alpenwerk',
  'Brightpath',
  'Quantix',
  'Helios',
  'Lumen',
  'Vantage',
  'Cobalt',
  'Riverstone',
  'Pinecrest',
  'Skyward',
  'Meridian',
  'Tessera',
  'Halcyon',
  'Granite',
  'Arcadia',
  'Nimbus',
  'Solvay',
  'Ostwind',
  'Falkenstein',
  'Redwood',
];

export const COMPANY_TAILS = [
  'Systems',
  'Logistics',
  'Health',
  'Software',
  'Labs',
  'Finance',
  'Retail',
  'Energy',
  '',
];

export const INDUSTRIES: readonly (readonly [string, number])[] = [
  ['software', 16],
  ['saas', 10],
  ['fintech', 5],
  ['information technology', 7],
  ['financial services', 6],
  ['insurance', 4],
  ['healthcare', 5],
  ['telecommunications', 3],
  ['manufacturing', 12],
  ['automotive', 5],
  ['retail', 8],
  ['logistics', 6],
  ['consulting', 7],
  ['education', 4],
  ['media', 2],
];

/** Employee counts by band: [min, max, weight]. */
export const COMPANY_SIZES: readonly (readonly [number, number, number])[] = [
  [1, 9, 7],
  [10, 49, 24],
  [50, 99, 14],
  [100, 999, 36],
  [1000, 20000, 19],
];

/** Bands as forms with a size dropdown send them (the API reads a band as its lower bound). */
export const SIZE_BANDS: readonly (readonly [number, number, string])[] = [
  [1, 10, '1-10'],
  [11, 50, '11-50'],
  [51, 200, '51-200'],
  [201, 500, '201-500'],
  [501, 1000, '501-1,000'],
  [1001, 5000, '1,001-5,000'],
  [5001, Number.MAX_SAFE_INTEGER, '5,000+'],
];

/** Job titles and how often they fill in forms; the scoring model reads seniority from them. */
export const JOB_TITLES: readonly (readonly [string, number])[] = [
  ['CEO', 3],
  ['Founder & CEO', 2],
  ['CTO', 2],
  ['Chief Revenue Officer', 2],
  ['CFO', 1],
  ['Managing Director', 2],
  ['VP Sales', 5],
  ['VP Marketing', 3],
  ['Head of Revenue Operations', 4],
  ['Head of Sales', 4],
  ['Director of Sales Operations', 4],
  ['Director, Demand Generation', 2],
  ['Sales Manager', 8],
  ['Marketing Manager', 8],
  ['RevOps Manager', 5],
  ['Team Lead Inside Sales', 3],
  ['Account Executive', 8],
  ['Sales Development Representative', 6],
  ['Marketing Specialist', 6],
  ['Business Analyst', 5],
  ['Software Engineer', 4],
  ['Consultant', 4],
  ['Student', 2],
  ['Marketing Intern', 2],
];

/** German titles some DACH leads enter instead. */
export const GERMAN_JOB_TITLES: readonly (readonly [string, number])[] = [
  ['Geschäftsführer', 3],
  ['Leiter Vertrieb', 4],
  ['Leiterin Marketing', 3],
  ['Vertriebsmitarbeiter', 4],
  ['Werkstudent Marketing', 2],
];

export const FREE_MAIL = ['gmail.com', 'outlook.com', 'yahoo.com', 'gmx.de', 'web.de', 'hotmail.com'];
export const DISPOSABLE_MAIL = ['mailinator.com', 'yopmail.com', 'trashmail.com'];

export const WHITEPAPERS = [
  'The RevOps Benchmark 2026',
  'Forecast accuracy: a field guide',
  'From MQL to revenue: handoff SLAs that work',
  'Pipeline hygiene checklist',
];

export const WEBINARS = [
  'webinar: Forecasting without spreadsheets',
  'webinar: Lead scoring that sales trusts',
  'webinar: Quarter-end pipeline reviews',
];

export const PAGES = [
  'https://leadledger.example/',
  'https://leadledger.example/product',
  'https://leadledger.example/customers',
  'https://leadledger.example/integrations/salesforce',
  'https://leadledger.example/blog/forecast-categories',
  'https://leadledger.example/security',
];

export const PRICING_PAGE = 'https://leadledger.example/pricing';
export const DEMO_PAGE = 'https://leadledger.example/demo';

export const REJECTION_NOTES: Readonly<Record<string, string>> = {
  not_a_fit: 'Uses a homegrown CRM export workflow; no forecasting need at their size.',
  no_budget: 'Budget frozen until next fiscal year.',
  no_authority: 'Contact is an individual contributor; could not reach the decision maker.',
  no_need: 'Already renewed with an incumbent tool for two years.',
  bad_timing: 'Reorg in progress; asked to follow up next quarter.',
  unreachable: 'Three calls and two emails without an answer.',
  duplicate: 'Same buying group as an existing opportunity.',
};

export const COMPETITORS = [
  'Clari',
  'Gong Forecast',
  'Salesforce Revenue Intelligence',
  'BoostUp',
  'a spreadsheet',
];

/** The CRM's stage names in imported history, and the pipeline stages they map to. */
export const CRM_STAGE_MAP: Readonly<Record<string, string>> = {
  Qualification: 'discovery',
  'Proposal/Price Quote': 'proposal',
  'Negotiation/Review': 'negotiation',
  'Closed Won': 'closed_won',
  'Closed Lost': 'closed_lost',
};

export const CRM_PRODUCTS = ['Forecasting', 'Lead Scoring', 'Platform', 'Platform + Services'];
