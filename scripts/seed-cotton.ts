// Seeds a Cotton-shaped data set into COTTON_PG_DATABASE (for trying the CLI by hand):
//   npx tsx scripts/seed-cotton.ts [scale]
import pg from 'pg';
import { loadConfig } from '../src/config/config';
import { connectionConfig } from '../src/db/pool';
import { seedCottonDatabase } from '../test/support/cotton-schema';

const pool = new pg.Pool(connectionConfig(loadConfig().database));
try {
  await seedCottonDatabase(pool, Number(process.argv[2] ?? 1));
} finally {
  await pool.end();
}
