// The store's migrations, in order. Append only.
import type { MigrationSet } from '../../migrate';
import { migration001Initial } from './001_initial';
import { migration002LabResults } from './002_lab_results';

export const storeMigrations: MigrationSet = {
  label: 'trading supervisor store',
  // "TSst" in ASCII: marks the file as ours in the SQLite header
  applicationId: 0x54537374,
  migrations: [migration001Initial, migration002LabResults],
  cacheTables: ['bar_chunks', 'fills', 'audit', 'equity_points', 'lab_dataset_chunks', 'lab_results'],
};
