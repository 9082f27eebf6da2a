import 'reflect-metadata';
import { OPPORTUNITY_SERVICE } from '@leadledger/opportunity';
import { runService } from '@leadledger/platform';

void runService(OPPORTUNITY_SERVICE);
