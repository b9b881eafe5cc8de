import 'reflect-metadata';
import path from 'node:path';
import { DataloaderType } from '@mikro-orm/core';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { entities } from './entities';

const root = path.resolve(__dirname, '..', '..');

export function ormOptions(clientUrl: string, extra: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl,
    entities,
    // Batch references and collections across a request (off by default in MikroORM 6).
    dataloader: DataloaderType.ALL,
    forceUtcTimezone: true,
    allowGlobalContext: false,
    ignoreUndefinedInQuery: true,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    pool: { min: 0, max: 20 },
    migrations: {
      path: path.join(root, 'migrations'),
      pathTs: path.join(root, 'migrations'),
      glob: '!(*.d).{js,ts}',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      silent: true,
    },
    ...extra,
  });
}

// The MikroORM CLI reads this default export; it needs DATABASE_URL (scripts/migrate.ts does not).
export default ormOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/advisor_network');
