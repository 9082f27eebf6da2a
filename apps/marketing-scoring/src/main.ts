import 'reflect-metadata';
import { MARKETING_SCORING_SERVICE } from '@leadledger/marketing-scoring';
import { runService } from '@leadledger/platform';

void runService(MARKETING_SCORING_SERVICE);
