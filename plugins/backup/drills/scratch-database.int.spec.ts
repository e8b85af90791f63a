import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, createTestDatabase, dropDatabase, testServer, type TestDatabase } from '../../../test/support/database';
import { createScratchDatabaseFor, dropLeftover, findLeftovers, scratchDatabaseName, scratchMarker } from './scratch-database';

const DRILL = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

describe('scratchDatabaseName', () => {
  it("is the source, '_drill_' and the drill id's first 8 hex", () => {
    expect(scratchDatabaseName('cotton', DRILL)).toBe('cotton_drill_0a1b2c3d');
    expect(scratchDatabaseName('cotton', '00000000-1111-4222-8333-444444444444')).toBe('cotton_drill_00000000');
  });

  it("shortens the source so that the name fits PostgreSQL's 63 bytes, and no more than that", () => {
    const long = 'x'.repeat(70);
    expect(scratchDatabaseName(long, DRILL)).toBe(`${'x'.repeat(48)}_drill_0a1b2c3d`);
    expect(scratchDatabaseName(long, DRILL)).toHaveLength(63);
    expect(scratchDatabaseName('y'.repeat(48), DRILL)).toBe(`${'y'.repeat(48)}_drill_0a1b2c3d`);
  });

  it('marks with the drill id and the source, whole', () => {
    expect(scratchMarker('cotton', DRILL)).toBe(`cotton-backup restore drill ${DRILL} of cotton`);
  });
});

describe('the scratch databases a drill leaves, on a real server', () => {
  let source: TestDatabase;
  const made: string[] = [];
  const make = async (name: string, comment?: string) => {
    made.push(name);
    await adminQuery(`CREATE DATABASE "${name}"`);
    if (comment !== undefined) await adminQuery(`COMMENT ON DATABASE "${name}" IS '${comment}'`);
  };
  const target = () => ({ ...testServer, database: source.name });

  beforeAll(async () => {
    source = await createTestDatabase('scrnm');
  });
  afterAll(async () => {
    for (const name of made) await dropDatabase(name);
    await source?.drop();
  });

  it('creates one marked as ours, with a pool on it, and drops it', async () => {
    const scratch = await createScratchDatabaseFor(source.pool, target(), DRILL);
    made.push(scratch.name);
    expect(scratch.name).toBe(`${source.name}_drill_0a1b2c3d`);
    expect(scratch.target).toEqual({ ...target(), database: scratch.name });
    expect((await scratch.pool.query('SELECT current_database() AS db')).rows[0].db).toBe(scratch.name);
    const comment = await source.pool.query("SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1", [scratch.name]);
    expect(comment.rows[0].c).toBe(scratchMarker(source.name, DRILL));
    expect(await findLeftovers(source.pool, source.name)).toEqual([{ name: scratch.name, drillId: DRILL }]);
    await scratch.drop();
    expect((await source.pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [scratch.name])).rowCount).toBe(0);
    expect(await findLeftovers(source.pool, source.name)).toEqual([]);
  });

  it('drops the database it created when marking it fails, and says why', async () => {
    // The COMMENT refused (a role that may create databases but not comment on them, say).
    const refusing = { query: (text: string) => (text.startsWith('COMMENT') ? Promise.reject(new Error('permission denied to comment')) : source.pool.query(text)) } as unknown as typeof source.pool;
    await expect(createScratchDatabaseFor(refusing, target(), DRILL)).rejects.toThrow('permission denied to comment');
    expect((await source.pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [`${source.name}_drill_0a1b2c3d`])).rowCount).toBe(0);
  });

  it('a scratch database dropped under its pool (a sweep from another host) does not bring the process down', async () => {
    const scratch = await createScratchDatabaseFor(source.pool, target(), DRILL);
    made.push(scratch.name);
    await scratch.pool.query('SELECT 1'); // an idle client stays in the pool
    const errors: unknown[] = [];
    const record = (e: unknown) => errors.push(e);
    process.on('uncaughtException', record);
    try {
      await dropDatabase(scratch.name); // WITH (FORCE): the idle client's session is terminated
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      process.off('uncaughtException', record);
    }
    expect(errors).toEqual([]);
    await scratch.drop();
  });

  it('refuses a source whose scratch name would not be a plain database name, creating nothing', async () => {
    await expect(createScratchDatabaseFor(source.pool, { ...target(), database: 'bad name' }, DRILL)).rejects.toThrow('cannot name a scratch database after "bad name"');
  });

  it('finds only a database with both the exact name and our marker for this source and that drill', async () => {
    const ours = '1111aaaa-0000-4000-8000-000000000001';
    await make(`${source.name}_drill_1111aaaa`, scratchMarker(source.name, ours));
    // Not ours: no marker; another source's marker; a marker whose drill id does not match the name;
    // a name with more after the suffix; the marker of a source whose name merely starts the same.
    await make(`${source.name}_drill_2222bbbb`);
    await make(`${source.name}_drill_3333cccc`, scratchMarker('another_source', '3333cccc-0000-4000-8000-000000000001'));
    await make(`${source.name}_drill_4444dddd`, scratchMarker(source.name, '5555eeee-0000-4000-8000-000000000001'));
    await make(`${source.name}_drill_6666ffffx`, scratchMarker(source.name, '6666ffff-0000-4000-8000-000000000001'));
    await make(`${source.name}_drill_77770000`, `${scratchMarker(source.name, '77770000-0000-4000-8000-000000000001')} (copy)`);
    await make(`${source.name}_drill_88881111`, `note: ${scratchMarker(source.name, '88881111-0000-4000-8000-000000000001')}`);
    await make(`${source.name}_drill_99992222`, `${scratchMarker(source.name, '99992222-0000-4000-8000-000000000001')}\nand more`);
    const found = await findLeftovers(source.pool, source.name);
    expect(found).toEqual([{ name: `${source.name}_drill_1111aaaa`, drillId: ours }]);
    // Another source's view: nothing of this one's.
    expect(await findLeftovers(source.pool, `${source.name}_drill`)).toEqual([]);
    await dropLeftover(source.pool, found[0]!);
    expect(await findLeftovers(source.pool, source.name)).toEqual([]);
  });

  it("finds a long source's leftovers under the shortened name", async () => {
    const long = `${source.name}_${'z'.repeat(60)}`.slice(0, 63);
    const drill = '9999abcd-0000-4000-8000-000000000001';
    const name = scratchDatabaseName(long, drill);
    await make(name, scratchMarker(long, drill));
    expect(await findLeftovers(source.pool, long)).toEqual([{ name, drillId: drill }]);
  });
});
