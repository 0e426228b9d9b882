// The simulator ledger's migrations, in order. Append only.
import type { MigrationSet } from '../../migrate';
import { simMigration001Initial } from './001_initial';
import { simMigration002BracketOrders } from './002_bracket_orders';

export const simLedgerMigrations: MigrationSet = {
  label: 'simulator ledger',
  // "TSsm" in ASCII
  applicationId: 0x5453736d,
  migrations: [simMigration001Initial, simMigration002BracketOrders],
};
