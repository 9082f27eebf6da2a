import 'reflect-metadata';
import { LEAD_CAPTURE_SERVICE } from '@leadledger/lead-capture';
import { runService } from '@leadledger/platform';

void runService(LEAD_CAPTURE_SERVICE);
