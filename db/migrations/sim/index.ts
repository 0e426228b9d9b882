// The simulator ledger's migrations, in order. Append only.
import type { MigrationSet } from '../../migrate';
import { simMigration001Initial } from './001_initial';

export const simLedgerMigrations: MigrationSet = {
  label: 'simulator ledger',
  // "TSsm" in ASCII
  applicationId: 0x5453736d,
  migrations: [simMigration001Initial],
};
