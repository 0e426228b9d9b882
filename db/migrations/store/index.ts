// The store's migrations, in order. Append only.
import type { MigrationSet } from '../../migrate';
import { migration001Initial } from './001_initial';

export const storeMigrations: MigrationSet = {
  label: 'trading supervisor store',
  // "TSst" in ASCII: marks the file as ours in the SQLite header
  applicationId: 0x54537374,
  migrations: [migration001Initial],
  cacheTables: ['bar_chunks', 'fills', 'audit', 'equity_points'],
};
