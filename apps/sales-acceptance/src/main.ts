import 'reflect-metadata';
import { SALES_ACCEPTANCE_SERVICE } from '@leadledger/sales-acceptance';
import { runService } from '@leadledger/platform';

void runService(SALES_ACCEPTANCE_SERVICE);
