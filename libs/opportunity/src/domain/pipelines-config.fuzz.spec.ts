import { readFileSync } from 'node:fs';
import { describe, it } from '@jest/globals';
import {
  DEFAULT_PIPELINES_PATH,
  InvalidPipelinesConfigError,
  parsePipelinesConfig,
} from '@leadledger/contracts';
import { expectOnlyConfigurationErrors } from '@leadledger/testing';

// The parser lives in contracts (forecasting reads the pipelines too); its fuzz needs libs/testing,
// which contracts may not depend on, so it runs here, over the shipped document.
describe('the pipelines config', () => {
  it('hostile JSON with nothing but an InvalidPipelinesConfigError', () => {
    const paths: readonly (readonly (string | number)[])[] = [
      [],
      ['version'],
      ['pipelines'],
      ['pipelines', 0],
      ['pipelines', 0, 'id'],
      ['pipelines', 0, 'name'],
      ['pipelines', 0, 'stages'],
      ['pipelines', 0, 'stages', 1],
      ['pipelines', 0, 'stages', 1, 'id'],
      ['pipelines', 0, 'stages', 1, 'probability'],
      ['pipelines', 0, 'stages', 1, 'forecastCategory'],
      ['pipelines', 0, 'stages', 1, 'outcome'],
      ['pipelines', 0, 'stages', 1, 'exitCriteria'],
      ['pipelines', 0, 'stages', 1, 'exitCriteria', 0],
      ['pipelines', 0, 'stages', 2, 'exitCriteria', 0, 'evidence'],
      ['pipelines', 0, 'stages', 2, 'exitCriteria', 0, 'description'],
      ['pipelines', 0, 'stages', 3, 'outcome'],
      ['pipelines', 0, 'defaultCloseDays'],
      ['defaultPipeline'],
    ];
    expectOnlyConfigurationErrors({
      validDocument: () => JSON.parse(readFileSync(DEFAULT_PIPELINES_PATH, 'utf8')) as unknown,
      paths,
      parse: (document) => parsePipelinesConfig(document, DEFAULT_PIPELINES_PATH),
      errorClass: InvalidPipelinesConfigError,
      source: DEFAULT_PIPELINES_PATH,
    });
  });
});
