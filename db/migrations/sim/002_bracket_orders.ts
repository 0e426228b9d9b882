// Bracket orders in the simulator (issue 4): a stop leg's trigger price, and an entry's exit
// levels, which become its two legs once it fills. Never edit this file once shipped.
import type { Migration } from '../../migrate';

export const simMigration002BracketOrders: Migration = {
  version: 2,
  name: 'bracket orders',
  up(db) {
    db.exec(`
      ALTER TABLE sim_orders ADD COLUMN stop_price REAL;
      -- both set (an entry with a bracket) or both null
      ALTER TABLE sim_orders ADD COLUMN bracket_stop_loss REAL;
      ALTER TABLE sim_orders ADD COLUMN bracket_take_profit REAL;
    `);
  },
};
